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
 */
record ValidRequest(String id, String model, String version, String format, List<float[]> rows, long receivedAt,
        long eventTime) implements IngestEvent {}
