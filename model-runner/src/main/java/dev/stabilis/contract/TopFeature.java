package dev.stabilis.contract;

/** One of a sample's top-k attributed features: its input index, name and attribution value. */
public record TopFeature(int index, String name, double value) {}
