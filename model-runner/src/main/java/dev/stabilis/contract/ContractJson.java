package dev.stabilis.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one JSON mapper of Stabilis' topic records and state-store values: strict on syntax (duplicate keys, trailing
 * tokens) and types (no coercion of strings to numbers or of fractions to whole numbers), tolerant of fields it does
 * not know, so that a newer writer's records still read during a rolling upgrade. Numbers go through Jackson's fast
 * conversions (Schubfach to text, FastDoubleParser from text): the shortest text that reads back to the same value,
 * and correctly rounded values when read, as the JDK's conversions promise, at a fraction of their cost on records
 * that are mostly numbers.
 */
public final class ContractJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private ContractJson() {}

    /** The mapper, for trees and for writing values that are not topic records (CLI output). */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** The JSON bytes of a value. */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Reads a value.
     *
     * @throws ContractException when the bytes are no JSON of that type; the message says what is wrong
     */
    public static <T> T read(byte[] bytes, Class<T> type) {
        if (bytes == null) {
            throw new ContractException("record has no value");
        }
        T value;
        try {
            value = MAPPER.readValue(bytes, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ContractException("not a valid " + type.getSimpleName() + " JSON object: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ContractException("unreadable " + type.getSimpleName() + ": " + e.getMessage());
        }
        if (value == null) {
            throw new ContractException("record is JSON null");
        }
        return value;
    }

    /** A value as a JSON tree. */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** Throws when a required field is missing. */
    static void require(Object value, String field) {
        if (value == null) {
            throw new ContractException("missing required field '" + field + "'");
        }
    }
}
