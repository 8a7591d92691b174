package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.ConstantPad;

/**
 * Constant padding: the linear part pads with zeros, the offset is the fill value on the border. Backward crops the
 * border away.
 */
final class PadKernel extends LinearKernel.NonNegative {

    private final Shape torchPads;
    private final NDIndex crop;
    private final NDArray offset;

    PadKernel(ConstantPad op, Signature signature, NDManager manager, DataType type) {
        long[] begin = op.begin();
        long[] end = op.end();
        long[] in = signature.inputs()[0];
        long[] pads = new long[2 * begin.length];
        StringBuilder index = new StringBuilder();
        for (int axis = 0; axis < begin.length; axis++) {
            int fromLast = begin.length - 1 - axis;
            pads[2 * fromLast] = begin[axis];
            pads[2 * fromLast + 1] = end[axis];
            index.append(axis == 0 ? "" : ", ");
            index.append(begin[axis] + end[axis] == 0 ? ":" : begin[axis] + ":" + (begin[axis] + in[axis]));
        }
        this.torchPads = new Shape(pads);
        this.crop = new NDIndex(index.toString());
        if (op.value() == 0) {
            this.offset = null;
        } else {
            NDArray zeros = manager.zeros(Signature.perBatchEntry(in), type);
            this.offset = zeros.pad(torchPads, op.value());
            zeros.close();
        }
    }

    @Override
    public NDArray linear(NDArray[] in) {
        return in[0].pad(torchPads, 0);
    }

    @Override
    public NDArray offset(long batch) {
        return offset;
    }

    @Override
    public NDArray[] adjoint(NDArray grad) {
        return new NDArray[] {grad.get(crop)};
    }

    @Override
    public long terms() {
        return 0;
    }

    @Override
    public long adjointTerms() {
        return 0;
    }

    @Override
    public void close() {
        if (offset != null) {
            offset.close();
        }
    }
}
