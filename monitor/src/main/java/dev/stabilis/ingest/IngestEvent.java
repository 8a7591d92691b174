package dev.stabilis.ingest;

/** What the ingest makes of one consumed record. */
sealed interface IngestEvent permits ValidRequest, ServedResponse, Rejection, Skipped {}
