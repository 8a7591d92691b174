package dev.stabilis.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import java.io.IOException;

/**
 * Reads payload bytes into a JSON object under a size limit. The bytes must be UTF-8 (RFC 8259), strictly:
 * overlong forms, encoded surrogates and other encodings (UTF-16, Latin-1) are malformed, so no text in a
 * record means something other than its bytes say; a leading byte-order mark is skipped. Non-finite numbers are
 * parsed (Python's {@code json} writes {@code NaN} and {@code Infinity}) so they can be rejected as
 * {@link RejectReason#NON_FINITE} rather than as malformed JSON; duplicate keys, trailing tokens, nesting deeper
 * than {@value #MAX_NESTING} and number literals longer than Jackson's default 1000 characters are malformed. Numbers
 * are read by Jackson's fast parser, correctly rounded as the JDK's.
 */
final class PayloadJson {

    static final int MAX_NESTING = 64;

    private final JsonMapper mapper;
    private final int maxBytes;

    PayloadJson(int maxBytes) {
        this.maxBytes = maxBytes;
        this.mapper = JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .addModule(JsonFormat.getCloudEventJacksonModule())
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING).maxDocumentLength(maxBytes).build());
    }

    /** Parses bytes that must hold one JSON object. */
    JsonNode readObject(byte[] bytes) {
        if (bytes.length > maxBytes) {
            throw new PayloadException(RejectReason.TOO_LARGE, "payload has " + bytes.length + " bytes, the limit is " + maxBytes);
        }
        String text = SourceRecord.utf8(bytes);
        if (text == null) {
            throw new PayloadException(RejectReason.MALFORMED_JSON, "not valid JSON: the payload is not UTF-8");
        }
        JsonNode root;
        try {
            root = mapper.readTree(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } catch (IOException e) {
            throw new PayloadException(RejectReason.MALFORMED_JSON, "not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw new PayloadException(RejectReason.EMPTY, "the payload holds no JSON document");
        }
        if (!root.isObject()) {
            throw new PayloadException(RejectReason.UNKNOWN_FORMAT, "payload is not a JSON object");
        }
        return root;
    }

    /**
     * Turns a structured-mode CloudEvent, already read by {@link #readObject}, into the SDK's event with the
     * CloudEvents JSON format's Jackson deserializer.
     *
     * @throws PayloadException {@link RejectReason#INVALID_ATTRIBUTE} with the SDK's reason when it refuses the event
     */
    CloudEvent toCloudEvent(JsonNode event) {
        try {
            return mapper.treeToValue(event, CloudEvent.class);
        } catch (IOException | RuntimeException e) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "invalid structured CloudEvent: " + firstLine(e.getMessage()));
        }
    }

    /**
     * The text of a scalar field (a string, number or boolean), or null when it is absent or JSON null.
     *
     * @throws PayloadException {@link RejectReason#INVALID_ATTRIBUTE} when the field holds an object or array
     */
    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode()) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "'" + field + "' must be a string or number, found "
                    + v.getNodeType().toString().toLowerCase());
        }
        return v.asText();
    }

    /** The first line of an exception message (Jackson appends the source location on further lines). */
    static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
