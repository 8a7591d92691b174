package dev.stabilis.ingest;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The value of a {@code stabilis.dlq} record (JSON). The dead-letter record also carries the original record's
 * key and headers unchanged, so it can be replayed.
 *
 * @param requestId the request id when it was known, else null
 * @param reason a {@link RejectReason} name
 * @param detail a human-readable explanation
 * @param sourceTopic topic of the original record
 * @param partition partition of the original record
 * @param offset offset of the original record
 * @param timestamp timestamp of the original record, epoch milliseconds
 * @param headers the original headers, last value per name: the UTF-8 text, or {@code {"base64": "..."}} for
 *        a value that is not UTF-8, or null for a null value
 * @param originalBase64 the original value bytes in base64; null for a tombstone, and for a value larger than
 *        the payload limit (rejected as {@code TOO_LARGE}), which would not fit a Kafka record once encoded
 */
@JsonPropertyOrder({"requestId", "reason", "detail", "sourceTopic", "partition", "offset", "timestamp", "headers",
        "originalBase64"})
public record DeadLetter(String requestId, String reason, String detail, String sourceTopic, int partition,
        long offset, long timestamp, Map<String, Object> headers, String originalBase64) {

    /**
     * The dead letter of a rejection.
     *
     * @param maxOriginalBytes original values larger than this are left out
     */
    static DeadLetter of(Rejection rejection, int maxOriginalBytes) {
        SourceRecord source = rejection.source();
        Map<String, Object> headers = new LinkedHashMap<>();
        for (SourceRecord.SourceHeader header : source.headers()) {
            headers.remove(header.name());
            headers.put(header.name(), headerValue(header.value()));
        }
        byte[] value = source.value();
        String original = value == null || value.length > maxOriginalBytes ? null : Base64.getEncoder().encodeToString(value);
        return new DeadLetter(rejection.requestId(), rejection.reason().name(), rejection.detail(), source.topic(),
                source.partition(), source.offset(), source.timestamp(), headers, original);
    }

    private static Object headerValue(byte[] value) {
        if (value == null) {
            return null;
        }
        String text = SourceRecord.utf8(value);
        return text != null ? text : Map.of("base64", Base64.getEncoder().encodeToString(value));
    }
}
