package dev.stabilis.ingest;

import dev.stabilis.contract.DeadLetter;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record that goes to the dead-letter topic. What it copies from the bad record is bounded, so that a dead
 * letter always fits a Kafka record: the detail is cut at {@value #MAX_DETAIL_CHARS} characters (it may quote
 * the input), an original value over the payload limit, and headers or a key over the header limit, are left out.
 *
 * @param requestId the request id when it was known before the record failed, else null
 * @param detail a human-readable explanation
 */
record Rejection(String requestId, RejectReason reason, String detail, SourceRecord source) implements IngestEvent {

    /** The longest detail kept; a longer one is cut and ends with an ellipsis. */
    static final int MAX_DETAIL_CHARS = 1000;

    Rejection {
        if (detail != null && detail.length() > MAX_DETAIL_CHARS) {
            detail = detail.substring(0, MAX_DETAIL_CHARS) + "\u2026";
        }
    }

    /**
     * The dead letter of this rejection.
     *
     * @param maxOriginalBytes original values larger than this are left out (they would not fit a Kafka record)
     * @param maxHeaderBytes original headers larger than this in all are left out
     */
    DeadLetter deadLetter(int maxOriginalBytes, int maxHeaderBytes) {
        List<DeadLetter.Header> headers = keepsHeaders(maxHeaderBytes)
                ? source.headers().stream().map(h -> new DeadLetter.Header(h.name(), h.value())).toList()
                : List.of();
        return DeadLetter.of(requestId, reason.name(), detail, source.topic(), source.partition(), source.offset(),
                source.timestamp(), headers, source.value(), maxOriginalBytes);
    }

    /** The headers of the dead-letter record: the original ones, or none when they are over the limit. */
    Headers kafkaHeaders(int maxHeaderBytes) {
        return keepsHeaders(maxHeaderBytes) ? source.kafkaHeaders() : new RecordHeaders();
    }

    /** The key of the dead-letter record: the original one, or null when it is larger than the header limit. */
    byte[] key(int maxHeaderBytes) {
        byte[] key = source.key();
        return key == null || key.length <= maxHeaderBytes ? key : null;
    }

    private boolean keepsHeaders(int maxHeaderBytes) {
        return source.headerBytes() <= maxHeaderBytes;
    }
}
