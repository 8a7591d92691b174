package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.UnaryOperator;

/**
 * Vector–Jacobian products by libtorch's own autograd: of one operator whose backward DJL does not expose (max
 * pooling keeps its window indices only inside autograd; {@link #of}), or of a whole forward pass whose rules are
 * slower than autograd's ({@link #record}). The operator or pass runs again on a detached copy of the input (a view:
 * no data is copied) that requires a gradient, with gradient recording switched on for the calling thread only and
 * restored after; its output is back-propagated with the given adjoint and the copy's gradient read. DJL's
 * {@code GradientCollector} is not used: it admits one collector per process and the runner's threads, TorchScript
 * models and training use it concurrently; libtorch's grad mode is thread-local and its autograd engine runs
 * independent graphs from several threads. Everything the operator or pass makes lives in a scratch manager closed
 * with the recording (and the autograd graph with it); results stay on the input's device.
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
     * Whether {@link #record} may be used: not while the calling thread records an outer autograd graph, nor on an
     * input that requires a gradient. (The pass's constants must not require gradients either: {@link #record} would
     * accumulate into theirs; the caller checks that.)
     */
    static boolean appliesToPass(NDArray input) {
        return !JniUtils.isGradMode() && !JniUtils.requiresGrad((PtNDArray) input);
    }

    /**
     * {@code J_op(input)ᵀ · adjoint}, owned by the adjoint's (per-batch) manager.
     *
     * @param op a differentiable libtorch operator; its output has the adjoint's shape
     */
    static NDArray of(UnaryOperator<NDArray> op, NDArray input, NDArray adjoint) {
        try (RecordedPass recorded = record(op, input)) {
            return Tensors.owned(recorded.backward(adjoint), adjoint);
        }
    }

    /**
     * Runs {@code pass} on a detached copy of {@code input} under gradient recording, to be back-propagated once with
     * {@link RecordedPass#backward}.
     */
    static RecordedPass record(UnaryOperator<NDArray> pass, NDArray input) {
        NDManager scratch = input.getManager().newSubManager();
        try {
            PtNDArray leaf = JniUtils.detachGradient((PtNDArray) input);
            leaf.attach(scratch); // the pass's arrays follow the leaf's manager, and their autograd graph with them
            boolean recording = JniUtils.isGradMode();
            try {
                JniUtils.setGradMode(true);
                JniUtils.attachGradient(leaf, true);
                return new RecordedPass(scratch, input, leaf, (PtNDArray) pass.apply(leaf));
            } finally {
                JniUtils.setGradMode(recording);
            }
        } catch (RuntimeException e) {
            scratch.close();
            throw e;
        }
    }

    /** A pass recorded by {@link #record}: its output, and the input gradient for one seed. */
    static final class RecordedPass implements AutoCloseable {

        private final NDManager scratch;
        private final NDArray input;
        private final PtNDArray leaf;
        private final PtNDArray output;

        private RecordedPass(NDManager scratch, NDArray input, PtNDArray leaf, PtNDArray output) {
            this.scratch = scratch;
            this.input = input;
            this.leaf = leaf;
            this.output = output;
        }

        /** The pass's output, detached from the graph (a view), owned by the input's manager. */
        NDArray output() {
            return Tensors.owned(JniUtils.detachGradient(output), input);
        }

        /**
         * {@code Jᵀ seed} for the pass's Jacobian J at the input, owned by the input's manager; frees the graph.
         *
         * @param seed shaped like the output, not itself recorded; the output must depend on the input (libtorch
         *     refuses to back-propagate from an output it did not record)
         */
        NDArray backward(NDArray seed) {
            JniUtils.backward(output, (PtNDArray) seed, false, false);
            PtNDArray gradient = JniUtils.getGradient(leaf);
            if (gradient == null) {
                throw new IllegalStateException("libtorch autograd gave no gradient for the input");
            }
            return Tensors.owned(gradient, input);
        }

        /** Frees the pass's arrays and its autograd graph. */
        @Override
        public void close() {
            scratch.close();
        }
    }
}
