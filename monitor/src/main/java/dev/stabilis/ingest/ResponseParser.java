package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Reads the served output of an inference response body, detected from its content: KServe V1
 * {@code {"predictions": [...]}} (one entry per sample: a label or a score vector) or Open Inference Protocol
 * {@code {"outputs": [...]}} (the first output tensor, one row per entry of its batch axis).
 */
final class ResponseParser {

    /** Whether a body that comes without a CloudEvents type is a response rather than a request. */
    static boolean isResponse(JsonNode body) {
        boolean request = body.has("inputs") || body.has("instances") || body.has("features");
        return !request && (body.has("outputs") || body.has("predictions"));
    }

    /** One flattened output row per sample. */
    List<float[]> parse(JsonNode body) {
        List<float[]> rows;
        if (body.has("predictions")) {
            rows = Tensors.rows(body.get("predictions"), "predictions");
        } else if (body.has("outputs")) {
            JsonNode outputs = body.get("outputs");
            if (!outputs.isArray() || outputs.isEmpty()) {
                throw new PayloadException(RejectReason.EMPTY, "'outputs' holds no output tensor");
            }
            rows = Tensors.tensorRows(outputs.get(0), "output tensor");
        } else {
            throw new PayloadException(RejectReason.UNKNOWN_FORMAT,
                    "response has neither 'predictions' (KServe V1) nor 'outputs' (Open Inference Protocol)");
        }
        if (rows.isEmpty() || rows.stream().allMatch(row -> row.length == 0)) {
            throw new PayloadException(RejectReason.EMPTY, "response holds no predictions");
        }
        return rows;
    }
}
