package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;

/** One attribution method on a batch. */
public interface Explainer {

    /** The method's name as used in policies, the CLI and output ({@code saliency}, {@code ig}, ...). */
    String method();

    /** How many model rows one input row costs (steps or noise samples), used to size sub-batches. */
    default int rowsPerSample() {
        return 1;
    }

    /**
     * Attributions of a batch.
     *
     * @param input {@code [N, inputShape...]}
     * @param classes {@code [N]} int64 target classes, or null for the predicted classes
     * @param kind the differentiated score
     */
    Attribution attribute(DifferentiableModel model, NDArray input, NDArray classes, TargetKind kind);
}
