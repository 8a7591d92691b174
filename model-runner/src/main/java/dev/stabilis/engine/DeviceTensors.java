package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.HostTensor;

/** Moves host constants onto a manager's device. */
final class DeviceTensors {

    private DeviceTensors() {}

    /**
     * One array of {@code type} on the manager, and nothing else: a float64 staging copy converted on the device would
     * stay attached to the model's manager for the model's lifetime (three times the weights' float32 size).
     */
    static NDArray upload(NDManager manager, HostTensor tensor, DataType type) {
        Shape shape = new Shape(tensor.shape());
        if (type == DataType.FLOAT64) {
            return manager.create(tensor.data(), shape);
        }
        if (type == DataType.FLOAT32) {
            float[] values = new float[tensor.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) tensor.get(i);
            }
            return manager.create(values, shape);
        }
        try (NDArray staged = manager.create(tensor.data(), shape)) {
            return staged.toType(type, false);
        }
    }
}
