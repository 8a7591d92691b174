package dev.stabilis.ingest;

/**
 * A record that goes to the dead-letter topic.
 *
 * @param requestId the request id when it was known before the record failed, else null
 * @param detail a human-readable explanation
 */
record Rejection(String requestId, RejectReason reason, String detail, SourceRecord source) implements IngestEvent {}
