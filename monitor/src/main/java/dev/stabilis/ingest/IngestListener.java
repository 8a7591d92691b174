package dev.stabilis.ingest;

/**
 * Told of every record the ingest skips ({@link IngestFilters}), for metrics. Runs on the stream threads: it must be
 * thread-safe, quick and must not throw; a retried transaction may repeat records.
 */
@FunctionalInterface
public interface IngestListener {

    IngestListener NONE = reason -> { };

    /**
     * @param reason {@code model} or {@code event_type}
     */
    void skipped(String reason);
}
