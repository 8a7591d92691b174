package dev.stabilis.ingest;

import dev.stabilis.model.ModelPolicy;
import java.util.List;

/**
 * What a model version takes as input.
 *
 * @param model model name
 * @param version resolved version (never {@code latest})
 * @param inputName the input's name in the ONNX graph, or null for a TorchScript model
 * @param shape per-sample input shape, without the batch axis
 * @param datatype Open Inference Protocol datatype of the input: {@value #FP32}, or {@code INT64}/{@code INT32} for a
 *     model that takes token ids (its ONNX input's integer type)
 * @param features number of values per sample (the product of {@code shape})
 * @param policy the version's policy ({@link ModelPolicy#DEFAULT} without a {@code stabilis.yaml}): its input domain
 */
public record ModelInput(String model, String version, String inputName, List<Long> shape, String datatype,
        int features, ModelPolicy policy) {

    /** The datatype of every input the engine runs. */
    public static final String FP32 = "FP32";

    public ModelInput {
        shape = List.copyOf(shape);
    }

    /**
     * Whether the model takes token ids (an integer input feeding its embedding lookup), whose policy domain is the
     * embedding's: the runner checks it after the lookup.
     */
    public boolean takesTokenIds() {
        return !datatype.equals(FP32);
    }
}
