package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.AveragePool2d;

/**
 * Average pooling as a depthwise convolution with ones followed by the divisor map; backward in reverse. Every
 * coefficient is non-negative, so the magnitude map is the map itself.
 */
final class AveragePoolKernel extends LinearKernel.NonNegative {

    private final ConvKernel sum;
    private final NDArray inverseCount;
    private final long terms;

    AveragePoolKernel(AveragePool2d op, long[] inputShape, NDManager manager, DataType type) {
        this.sum = ConvKernel.summing(op.channels(), op.kernel(), op.strides(), op.pads(), op.dilations(), inputShape,
                manager, type);
        this.inverseCount = DeviceTensors.upload(manager, op.inverseCount(), type);
        this.terms = (long) op.kernel()[0] * op.kernel()[1] + 1;
    }

    @Override
    public NDArray linear(NDArray[] in) {
        return sum.linear(in).muli(inverseCount);
    }

    @Override
    public NDArray[] adjoint(NDArray grad) {
        return sum.adjoint(grad.mul(inverseCount));
    }

    @Override
    public long terms() {
        return terms;
    }

    @Override
    public long adjointTerms() {
        return terms;
    }

    @Override
    public void close() {
        sum.close();
        inverseCount.close();
    }
}
