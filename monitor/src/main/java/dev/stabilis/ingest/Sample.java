package dev.stabilis.ingest;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One sample row of a valid request: the value of a {@code stabilis.samples} record (JSON, key = model).
 *
 * @param requestId the CloudEvent id, else the payload's id, else {@code <topic>-<partition>-<offset>}
 * @param index the row's index within its request
 * @param model model name
 * @param version the resolved model version (never {@code latest})
 * @param format the payload form: {@code OPEN_INFERENCE_V2}, {@code KSERVE_V1} or {@code PLAIN}
 * @param features the row, flattened row-major to the model's feature count
 * @param servedClass the class the serving stack answered (a label, or the argmax of a score vector), or null
 *        when unknown (no response, the join disabled, or an output that is no class)
 * @param servedOutput the response's row for this sample, or null
 * @param receivedAt when the ingest read the request, epoch milliseconds
 * @param eventTime the CloudEvent's {@code time}, else the request record's timestamp, epoch milliseconds
 */
@JsonPropertyOrder({"requestId", "index", "model", "version", "format", "features", "servedClass", "servedOutput",
        "receivedAt", "eventTime"})
public record Sample(String requestId, int index, String model, String version, String format, float[] features,
        Integer servedClass, float[] servedOutput, long receivedAt, long eventTime) {

    /**
     * The class a served output row names: a one-element row holding an integer is a label; a longer row is a
     * score vector and names its argmax (the first of ties); anything else names none.
     */
    static Integer servedClass(float[] output) {
        if (output == null || output.length == 0) {
            return null;
        }
        if (output.length == 1) {
            float label = output[0];
            return label == Math.rint(label) && Math.abs(label) <= Integer.MAX_VALUE ? (int) label : null;
        }
        int best = 0;
        for (int i = 1; i < output.length; i++) {
            if (output[i] > output[best]) {
                best = i;
            }
        }
        return best;
    }
}
