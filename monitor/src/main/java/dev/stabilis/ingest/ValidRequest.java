package dev.stabilis.ingest;

import java.util.List;

/**
 * A request whose rows fit the input of the model version it resolved to, waiting to be split into samples.
 *
 * @param id the request id (joins it with its response)
 * @param version the resolved version, never {@code latest}
 * @param format the payload form, an {@link InferencePayload.Format} name
 * @param rows one flattened feature row per sample
 * @param receivedAt when the ingest read the request, epoch milliseconds
 * @param eventTime the CloudEvent's {@code time}, else the record timestamp, epoch milliseconds
 * @param endpoint the serving endpoint (KServe's {@code ce_endpoint}), or null
 * @param namespace the serving namespace (KServe's {@code ce_namespace}), or null
 */
record ValidRequest(String id, String model, String version, String format, List<float[]> rows, long receivedAt,
        long eventTime, String endpoint, String namespace) implements IngestEvent {}
