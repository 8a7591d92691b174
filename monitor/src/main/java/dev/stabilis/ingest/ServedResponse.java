package dev.stabilis.ingest;

import java.util.List;

/**
 * An inference response: the served output per sample, and the record it came from for the dead-letter topic
 * should it never meet its request.
 *
 * @param id the request id it answers
 * @param rows one flattened output row per sample (a label as a one-element row, or a score vector)
 */
record ServedResponse(String id, List<float[]> rows, SourceRecord source) implements IngestEvent {}
