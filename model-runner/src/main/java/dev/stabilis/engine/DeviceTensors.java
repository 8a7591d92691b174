package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.HostTensor;

/** Moves host constants onto a manager's device. */
final class DeviceTensors {

    private DeviceTensors() {}

    static NDArray upload(NDManager manager, HostTensor tensor, DataType type) {
        NDArray array = manager.create(tensor.data(), new Shape(tensor.shape()));
        return type == DataType.FLOAT64 ? array : array.toType(type, false);
    }
}
