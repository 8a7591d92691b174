package dev.stabilis.ingest;

import static dev.stabilis.ingest.PayloadJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Detects the request payload form from the bytes (never from a content-type header) and normalises it into
 * rows; see {@link PayloadJson} for how the bytes are read.
 */
public final class PayloadParser {

    private final PayloadJson json;

    /**
     * @param maxBytes payloads larger than this are rejected as {@link RejectReason#TOO_LARGE}
     */
    public PayloadParser(int maxBytes) {
        this.json = new PayloadJson(maxBytes);
    }

    /** Parses one payload. */
    public InferencePayload parse(byte[] bytes) {
        return parse(json.readObject(bytes));
    }

    /** Parses one payload that has already been read into a JSON object. */
    InferencePayload parse(JsonNode root) {
        InferencePayload payload;
        if (root.has("inputs")) {
            payload = openInference(root);
        } else if (root.has("instances")) {
            payload = new InferencePayload(InferencePayload.Format.KSERVE_V1, text(root, "id"), null, null, null, null,
                    Tensors.rows(root.get("instances"), "instances"));
        } else if (root.has("features")) {
            JsonNode features = root.get("features");
            List<float[]> rows = features.isArray() && features.size() > 0 && features.get(0).isArray()
                    ? Tensors.rows(features, "features")
                    : List.of(Tensors.row(features, "features"));
            payload = new InferencePayload(InferencePayload.Format.PLAIN, text(root, "id"), text(root, "model"),
                    text(root, "version"), null, null, rows);
        } else {
            throw new PayloadException(RejectReason.UNKNOWN_FORMAT,
                    "payload has none of 'inputs' (Open Inference Protocol), 'instances' (KServe V1) or 'features'");
        }
        if (payload.rows().isEmpty() || payload.rows().stream().allMatch(row -> row.length == 0)) {
            throw new PayloadException(RejectReason.EMPTY, "payload holds no samples");
        }
        return payload;
    }

    private InferencePayload openInference(JsonNode root) {
        JsonNode inputs = root.get("inputs");
        if (!inputs.isArray() || inputs.size() != 1) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "expected exactly one input tensor, got "
                    + (inputs.isArray() ? inputs.size() : "a non-array"));
        }
        JsonNode tensor = inputs.get(0);
        return new InferencePayload(InferencePayload.Format.OPEN_INFERENCE_V2, text(root, "id"), text(root, "model_name"),
                text(root, "model_version"), text(tensor, "name"), text(tensor, "datatype"),
                Tensors.tensorRows(tensor, "input tensor"));
    }
}
