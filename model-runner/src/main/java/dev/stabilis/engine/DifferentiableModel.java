package dev.stabilis.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A classifier that computes logits and input gradients for batches on one device. Arrays passed in and
 * returned belong to the caller's manager; callers scope them per batch with a sub-manager of
 * {@link #manager()}.
 */
public interface DifferentiableModel extends AutoCloseable {

    /** Per-sample input shape (the batch axis excluded). */
    long[] inputShape();

    /** Number of output classes. */
    int classes();

    /** The device the model runs on. */
    Device device();

    /** The model's long-lived manager, on {@link #device()}; create per-batch sub-managers from it. */
    NDManager manager();

    /** Logits {@code [N, C]} for a batch {@code [N, inputShape...]}. */
    NDArray logits(NDArray input);

    /**
     * Logits and the gradient of each row's target score with respect to that row's input.
     *
     * @param input {@code [N, inputShape...]}
     * @param classes {@code [N]} int64 target class per row, or null for the predicted class (argmax of the
     *     logits of the same forward pass)
     * @param kind logit or log-probability
     */
    Gradients gradients(NDArray input, NDArray classes, TargetKind kind);

    /**
     * The classes a gradient explains: {@code classes} where given, else the predicted ones, the argmax of
     * {@code logits} (those of the same forward pass).
     */
    static NDArray targets(NDArray logits, NDArray classes) {
        return classes != null ? classes : logits.argMax(1);
    }

    /** Predicted classes {@code [N]} (argmax of the logits), int64. */
    default NDArray predict(NDArray input) {
        return logits(input).argMax(1);
    }

    @Override
    void close();
}
