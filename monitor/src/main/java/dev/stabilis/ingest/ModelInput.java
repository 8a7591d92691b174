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
 * @param datatype Open Inference Protocol datatype of the input ({@value #FP32})
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
}
