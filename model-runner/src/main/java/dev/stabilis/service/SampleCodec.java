package dev.stabilis.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/** Reads {@code stabilis.samples} values; anything that does not fit the contract is a {@link SampleException}. */
public final class SampleCodec {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SampleCodec() {}

    /** Parses one sample record value. */
    public static Sample parse(byte[] value) {
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (IOException e) {
            throw new SampleException("MALFORMED_SAMPLE", "sample is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new SampleException("MALFORMED_SAMPLE", "sample is not a JSON object");
        }
        JsonNode features = root.path("features");
        if (!features.isArray() || features.isEmpty()) {
            throw new SampleException("MALFORMED_SAMPLE", "sample has no 'features' array");
        }
        float[] row = new float[features.size()];
        for (int i = 0; i < row.length; i++) {
            JsonNode v = features.get(i);
            if (!v.isNumber() || !Float.isFinite(v.floatValue())) {
                throw new SampleException("MALFORMED_SAMPLE", "feature " + i + " is not a finite number");
            }
            row[i] = v.floatValue();
        }
        String model = text(root, "model");
        if (model == null) {
            throw new SampleException("MALFORMED_SAMPLE", "sample names no 'model'");
        }
        String version = text(root, "version");
        JsonNode served = root.path("servedClass");
        return new Sample(text(root, "requestId"), root.path("index").asInt(0), model, version == null ? "latest" : version, row,
                served.isInt() ? served.asInt() : null, root.path("eventTime").asLong(0), root.path("receivedAt").asLong(0));
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
