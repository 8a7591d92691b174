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
 * @param datatype the tensor's datatype (Open Inference Protocol), or null where the payload declares none
 * @param rows one flattened feature row per sample
 */
public record InferencePayload(Format format, String id, String model, String version, String inputName, String datatype,
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

    /**
     * Checks that the payload fits a model that takes token ids: a declared datatype is an integer one, and every value
     * is a whole number (an id).
     */
    public void requireTokenIds(ModelInput input) {
        if (datatype != null && !Tensors.isInteger(datatype)) {
            throw new PayloadException(RejectReason.UNSUPPORTED_DATATYPE, "model " + input.model() + " version " + input.version()
                    + " takes token ids (" + input.datatype() + " input '" + input.inputName() + "'), the input tensor is " + datatype);
        }
        for (int i = 0; i < rows.size(); i++) {
            float[] row = rows.get(i);
            for (int t = 0; t < row.length; t++) {
                if (row[t] != Math.rint(row[t])) {
                    throw new PayloadException(RejectReason.UNSUPPORTED_DATATYPE, "sample " + i + " token " + t + " = " + row[t]
                            + " is no token id (a whole number) of model " + input.model() + " version " + input.version());
                }
            }
        }
    }
}
