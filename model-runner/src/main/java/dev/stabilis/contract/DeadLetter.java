package dev.stabilis.contract;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The value of a {@code stabilis.dlq} record (JSON), one shape for every stage that rejects records (ingest,
 * runner, detect). The dead-letter record also carries the original record's key and headers unchanged, so it
 * can be replayed. Schema: {@code schemas/dead-letter.schema.json}.
 *
 * @param requestId the request id when it was known, else null
 * @param reason a machine-readable reason, for example {@code MALFORMED_JSON} or {@code MODEL_UNAVAILABLE}
 * @param detail a human-readable explanation
 * @param sourceTopic topic of the original record
 * @param partition partition of the original record (null when unknown)
 * @param offset offset of the original record (null when unknown)
 * @param timestamp timestamp of the original record, epoch milliseconds
 * @param headers the original headers, last value per name: the UTF-8 text, or {@code {"base64": "..."}} for a
 *     value that is not UTF-8, or null for a null value
 * @param originalBase64 the original value bytes in base64; null for a tombstone, and for a value too large to
 *     fit a Kafka record once encoded
 */
@JsonPropertyOrder({"requestId", "reason", "detail", "sourceTopic", "partition", "offset", "timestamp", "headers",
        "originalBase64"})
public record DeadLetter(String requestId, String reason, String detail, String sourceTopic, Integer partition, Long offset,
        long timestamp, Map<String, Object> headers, String originalBase64) {

    /** One header of the original record. */
    public record Header(String name, byte[] value) {}

    /**
     * A dead letter for an original record.
     *
     * @param maxOriginalBytes original values larger than this are left out
     */
    public static DeadLetter of(String requestId, String reason, String detail, String sourceTopic, Integer partition,
            Long offset, long timestamp, Iterable<Header> headers, byte[] value, int maxOriginalBytes) {
        Map<String, Object> named = new LinkedHashMap<>();
        for (Header header : headers) {
            named.remove(header.name());
            named.put(header.name(), headerValue(header.value()));
        }
        String original = value == null || value.length > maxOriginalBytes ? null : Base64.getEncoder().encodeToString(value);
        return new DeadLetter(requestId, reason, detail, sourceTopic, partition, offset, timestamp, named, original);
    }

    /** The one reader: checks the fields every dead letter has. */
    public static DeadLetter read(byte[] json) {
        DeadLetter letter = ContractJson.read(json, DeadLetter.class);
        ContractJson.require(letter.reason(), "reason");
        return letter;
    }

    /** The one writer. */
    public byte[] toJson() {
        return ContractJson.write(this);
    }

    /** The headers of a Kafka record. */
    public static Iterable<Header> headers(org.apache.kafka.common.header.Headers headers) {
        java.util.List<Header> out = new java.util.ArrayList<>();
        headers.forEach(h -> out.add(new Header(h.key(), h.value())));
        return out;
    }

    private static Object headerValue(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return Map.of("base64", Base64.getEncoder().encodeToString(value));
        }
    }
}
