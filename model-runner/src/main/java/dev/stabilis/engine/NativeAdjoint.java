package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.UnaryOperator;

/**
 * The vector–Jacobian product of one libtorch operator by libtorch's own autograd, for operators whose backward
 * DJL does not expose (max pooling keeps its window indices only inside autograd). The operator runs again on a
 * detached copy of the input (a view: no data is copied) that requires a gradient, with gradient recording switched
 * on for the calling thread only and restored after; its output is back-propagated with the given adjoint and the
 * copy's gradient read. DJL's {@code GradientCollector} is not used: it admits one collector per process and the
 * runner's threads, TorchScript models and training use it concurrently; libtorch's grad mode is thread-local and
 * its autograd engine runs independent graphs from several threads. Everything made here lives in a scratch manager
 * closed before returning, except the result, which belongs to the adjoint's (per-batch) manager; it stays on the
 * adjoint's device.
 */
final class NativeAdjoint {

    private NativeAdjoint() {}

    /**
     * Whether {@link #of} may be used: not while either array is itself recorded by an outer autograd (training
     * through the engine's backward rules), whose graph the result of a nested backward would not join.
     */
    static boolean applies(NDArray input, NDArray adjoint) {
        return !JniUtils.requiresGrad((PtNDArray) input) && !JniUtils.requiresGrad((PtNDArray) adjoint);
    }

    /**
     * {@code J_op(input)ᵀ · adjoint}.
     *
     * @param op a differentiable libtorch operator; its output has the adjoint's shape
     */
    static NDArray of(UnaryOperator<NDArray> op, NDArray input, NDArray adjoint) {
        try (NDManager scratch = input.getManager().newSubManager()) {
            PtNDArray leaf = JniUtils.detachGradient((PtNDArray) input);
            leaf.attach(scratch); // the operator's arrays follow the leaf's manager, and their autograd graph with them
            PtNDArray output;
            boolean recording = JniUtils.isGradMode();
            try {
                JniUtils.setGradMode(true);
                JniUtils.attachGradient(leaf, true);
                output = (PtNDArray) op.apply(leaf);
            } finally {
                JniUtils.setGradMode(recording);
            }
            JniUtils.backward(output, (PtNDArray) adjoint, false, false);
            PtNDArray gradient = JniUtils.getGradient(leaf);
            if (gradient == null) {
                throw new IllegalStateException("libtorch autograd gave no gradient for the operator's input");
            }
            return Tensors.owned(gradient, adjoint);
        }
    }
}
