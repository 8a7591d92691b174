package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import dev.stabilis.graph.Activation.Kind;

/** An elementwise activation; backward multiplies by its derivative at the saved pre-activation. */
final class ActivationKernel implements LayerKernel {

    private final Kind kind;
    private final float alpha;

    ActivationKernel(dev.stabilis.graph.Activation layer) {
        this.kind = layer.kind();
        this.alpha = layer.alpha();
    }

    @Override
    public NDArray forward(NDArray z) {
        return ActivationFunctions.value(kind, alpha, z);
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray z, NDArray a) {
        if (kind == Kind.RELU) {
            // a = max(z, 0), so sign(a) = 1[z > 0] = ReLU′(z), computed in one pass
            return gradOutput.mul(a.sign());
        }
        return gradOutput.mul(ActivationFunctions.derivative(kind, alpha, z));
    }
}
