package dev.stabilis.ingest;

import java.util.List;

/**
 * A parsed inference request.
 *
 * @param format which payload form it arrived in
 * @param id the request id, or null
 * @param model the model name the payload names, or null
 * @param version the model version the payload names, or null
 * @param inputName the tensor name (Open Inference Protocol), or null
 * @param rows one flattened feature row per sample
 */
public record InferencePayload(Format format, String id, String model, String version, String inputName,
        List<float[]> rows) {

    /** The accepted payload forms. */
    public enum Format {
        /** Open Inference Protocol (KServe V2): {@code {"inputs": [{"name", "shape", "datatype", "data"}]}}. */
        OPEN_INFERENCE_V2,
        /** Open Inference Protocol V2 protobuf {@code ModelInferRequest} (Seldon Core 2's Kafka topics). */
        OPEN_INFERENCE_V2_PROTOBUF,
        /** KServe V1: {@code {"instances": [[...], ...]}}. */
        KSERVE_V1,
        /** Plain: {@code {"model", "version", "id", "features": [...]}}. */
        PLAIN
    }

    /** Checks every row against the model's number of input features. */
    public void requireFeatures(int features) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).length != features) {
                throw new PayloadException(RejectReason.SHAPE_MISMATCH, "sample " + i + " has " + rows.get(i).length
                        + " features, the model expects " + features);
            }
        }
    }
}
