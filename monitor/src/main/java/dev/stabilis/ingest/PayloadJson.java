package dev.stabilis.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * Reads payload bytes into a JSON object under a size limit. Non-finite numbers are parsed (Python's
 * {@code json} writes {@code NaN} and {@code Infinity}) so they can be rejected as {@link RejectReason#NON_FINITE}
 * rather than as malformed JSON; duplicate keys and trailing tokens are malformed.
 */
final class PayloadJson {

    private final JsonMapper mapper;
    private final int maxBytes;

    PayloadJson(int maxBytes) {
        this.maxBytes = maxBytes;
        this.mapper = JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxDocumentLength(maxBytes).build());
    }

    /** Parses bytes that must hold one JSON object. */
    JsonNode readObject(byte[] bytes) {
        if (bytes.length > maxBytes) {
            throw new PayloadException(RejectReason.TOO_LARGE, "payload has " + bytes.length + " bytes, the limit is " + maxBytes);
        }
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (IOException e) {
            throw new PayloadException(RejectReason.MALFORMED_JSON, "not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new PayloadException(RejectReason.UNKNOWN_FORMAT, "payload is not a JSON object");
        }
        return root;
    }

    /** The text of a field, or null when it is absent or JSON null. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
