package dev.stabilis.ingest;

/**
 * A record that is not Stabilis' to judge ({@link IngestFilters}): counted, neither a sample nor a dead letter.
 *
 * @param reason {@code model} (another model) or {@code event_type} (another CloudEvent type)
 */
record Skipped(String reason) implements IngestEvent {

    static final Skipped OTHER_MODEL = new Skipped("model");
    static final Skipped OTHER_EVENT_TYPE = new Skipped("event_type");
}
