package dev.stabilis.service;

/**
 * One sample of {@code stabilis.samples}, as the ingest topology wrote it.
 *
 * @param requestId the request id ({@code ce_id}, the OIP id, or one derived from the source offset)
 * @param index the row within the request
 * @param model model name
 * @param version model version ({@code latest} when the request named none)
 * @param features the flattened input row
 * @param servedClass the class the serving stack answered, or null when no response was joined
 * @param eventTime when the request happened (epoch ms)
 * @param receivedAt when ingest read it (epoch ms)
 */
public record Sample(String requestId, int index, String model, String version, float[] features, Integer servedClass,
        long eventTime, long receivedAt) {}
