package dev.stabilis.ingest;

import java.util.List;

/**
 * An inference response: the served output per sample, and the record it came from for the dead-letter topic
 * should it never meet its request.
 *
 * @param id the request id it answers
 * @param rows one flattened output row per sample (a label as a one-element row, or a score vector)
 * @param eventTime the CloudEvent's {@code time}, else the record timestamp, epoch milliseconds
 */
record ServedResponse(String id, List<float[]> rows, long eventTime, SourceRecord source) implements IngestEvent {}
