package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.Map;

/**
 * Scalar constants as arrays of a model's manager and element type, made once. A product with a Java number would
 * make DJL build a tensor over a Java buffer and release it when the product returns; autograd keeps that tensor
 * for its backward pass (hardening differentiates through the engine), so it would read freed memory. These live
 * as long as the model.
 */
public final class Scalars {

    private final NDManager manager;
    private final DataType type;
    private final Map<Double, NDArray> cache = new HashMap<>();

    public Scalars(NDManager manager, DataType type) {
        this.manager = manager;
        this.type = type;
    }

    /** The scalar {@code value}; made outside any {@link NDScope} that is open, which would free it on closing. */
    public synchronized NDArray of(double value) {
        return cache.computeIfAbsent(value, v -> {
            NDArray a = manager.create(v.doubleValue());
            NDScope.unregister(a);
            if (type == DataType.FLOAT64) {
                return a;
            }
            NDArray typed = a.toType(type, false);
            NDScope.unregister(typed);
            return typed;
        });
    }

    public DataType type() {
        return type;
    }
}
