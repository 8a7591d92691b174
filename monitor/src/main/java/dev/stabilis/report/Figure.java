package dev.stabilis.report;

/** One picture of a report: a PNG, the caption under it and the text that stands for it. */
record Figure(String caption, String alt, byte[] png) {}
