package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.AveragePool2d;

/** Average pooling as a depthwise convolution with ones followed by the divisor map; backward in reverse. */
final class AveragePoolKernel implements LayerKernel {

    private final ConvKernel sum;
    private final NDArray inverseCount;

    AveragePoolKernel(AveragePool2d layer, long[] inputShape, NDManager manager, DataType type) {
        this.sum = ConvKernel.summing(layer.channels(), layer.kernel(), layer.strides(), layer.pads(),
                layer.dilations(), inputShape, manager, type);
        this.inverseCount = DeviceTensors.upload(manager, layer.inverseCount(), type);
    }

    @Override
    public NDArray forward(NDArray input) {
        return sum.forward(input).muli(inverseCount);
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray input, NDArray output) {
        return sum.backward(gradOutput.mul(inverseCount), input, null);
    }

    @Override
    public void close() {
        sum.close();
        inverseCount.close();
    }
}
