package dev.stabilis.ingest;

import dev.stabilis.deadletter.DeadLetter;

/**
 * A record that goes to the dead-letter topic.
 *
 * @param requestId the request id when it was known before the record failed, else null
 * @param detail a human-readable explanation
 */
record Rejection(String requestId, RejectReason reason, String detail, SourceRecord source) implements IngestEvent {

    /**
     * The dead letter of this rejection.
     *
     * @param maxOriginalBytes original values larger than this are left out (they would not fit a Kafka record)
     */
    DeadLetter deadLetter(int maxOriginalBytes) {
        return DeadLetter.of(requestId, reason.name(), detail, source.topic(), source.partition(), source.offset(),
                source.timestamp(), source.headers().stream().map(h -> new DeadLetter.Header(h.name(), h.value())).toList(),
                source.value(), maxOriginalBytes);
    }
}
