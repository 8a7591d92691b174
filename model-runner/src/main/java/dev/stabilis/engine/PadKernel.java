package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.ConstantPad;

/** Constant padding; backward crops the padded border away. */
final class PadKernel implements LayerKernel {

    private final Shape torchPads;
    private final float value;
    private final NDIndex crop;

    PadKernel(ConstantPad layer, long[] inputShape) {
        long[] begin = layer.begin();
        long[] end = layer.end();
        long[] pads = new long[2 * begin.length];
        StringBuilder index = new StringBuilder(":");
        for (int axis = 0; axis < begin.length; axis++) {
            int fromLast = begin.length - 1 - axis;
            pads[2 * fromLast] = begin[axis];
            pads[2 * fromLast + 1] = end[axis];
            index.append(", ").append(begin[axis]).append(':').append(begin[axis] + inputShape[axis]);
        }
        this.torchPads = new Shape(pads);
        this.value = layer.value();
        this.crop = new NDIndex(index.toString());
    }

    @Override
    public NDArray forward(NDArray input) {
        return input.pad(torchPads, value);
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray input, NDArray output) {
        return gradOutput.get(crop);
    }
}
