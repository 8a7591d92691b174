package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.ElementwiseAffine;

/** {@code y = x ⊙ scale + shift}; backward {@code g ⊙ scale}. */
final class AffineKernel implements LayerKernel {

    private final NDArray scale;
    private final NDArray shift;

    AffineKernel(ElementwiseAffine layer, NDManager manager, DataType type) {
        this.scale = layer.scale() == null ? null : DeviceTensors.upload(manager, layer.scale(), type);
        this.shift = layer.shift() == null ? null : DeviceTensors.upload(manager, layer.shift(), type);
    }

    @Override
    public NDArray forward(NDArray input) {
        NDArray y = scale == null ? input : input.mul(scale);
        return shift == null ? y : y.add(shift);
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray input, NDArray output) {
        return scale == null ? gradOutput : gradOutput.mul(scale);
    }

    @Override
    public void close() {
        if (scale != null) {
            scale.close();
        }
        if (shift != null) {
            shift.close();
        }
    }
}
