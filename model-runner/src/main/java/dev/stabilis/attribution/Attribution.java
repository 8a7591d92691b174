package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.DifferentiableModel;

/**
 * A batch's attributions with the logits and target classes at the inputs.
 *
 * @param values attributions, shaped like the input
 * @param logits {@code [N, C]} logits at the input
 * @param classes {@code [N]} int64 classes explained
 */
public record Attribution(NDArray values, NDArray logits, NDArray classes) {

    /**
     * Logits at the input and the classes to explain (the given ones, or the predicted ones), for methods
     * whose model passes run elsewhere than at the input.
     */
    static Attribution atInput(DifferentiableModel model, NDArray input, NDArray classes) {
        NDArray logits = model.logits(input);
        return new Attribution(null, logits, DifferentiableModel.targets(logits, classes));
    }

    /** The same logits and classes with attribution values. */
    Attribution withValues(NDArray attributionValues) {
        return new Attribution(attributionValues, logits, classes);
    }
}
