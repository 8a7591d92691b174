package dev.stabilis.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.ingest.InferencePayload;
import dev.stabilis.model.LoadedModel;
import java.io.IOException;
import java.io.PrintWriter;

/** The JSON documents the per-sample commands print. */
final class JsonOutput {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private JsonOutput() {}

    /** A document with the request id, model and device, and an empty {@code results} array. */
    static ObjectNode document(InferencePayload payload, LoadedModel loaded) {
        ObjectNode root = MAPPER.createObjectNode();
        if (payload.id() != null) {
            root.put("id", payload.id());
        }
        root.put("model", loaded.artifact().toString());
        root.put("device", loaded.model().device().toString());
        root.putArray("results");
        return root;
    }

    static void put(ArrayNode array, float[] values) {
        for (float v : values) {
            array.add(v);
        }
    }

    static void put(ArrayNode array, double[] values) {
        for (double v : values) {
            array.add(v);
        }
    }

    static void print(PrintWriter out, ObjectNode root) throws IOException {
        out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        out.flush();
    }
}
