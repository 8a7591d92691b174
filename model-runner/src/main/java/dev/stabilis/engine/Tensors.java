package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;

/**
 * Array helpers that keep results in the caller's (per-batch) manager. DJL attaches a result to the manager of
 * the array an operation is called on; with a model-lifetime scalar from {@link Scalars} as the receiver the result
 * would live as long as the model, so these reattach it to the batch array's manager.
 */
public final class Tensors {

    private Tensors() {}

    /**
     * {@code condition ? a : b} elementwise with numpy broadcasting (DJL's own needs equal shapes), owned by the
     * condition's manager.
     */
    public static NDArray where(NDArray condition, NDArray a, NDArray b) {
        return where(condition, a, b, condition);
    }

    /**
     * {@code condition ? a : b} as {@link #where(NDArray, NDArray, NDArray)}, the result and its broadcast operands owned
     * by {@code owner}'s manager: for a condition that is a model constant.
     */
    public static NDArray where(NDArray condition, NDArray a, NDArray b, NDArray owner) {
        Shape shape = broadcast(broadcast(condition.getShape(), a.getShape()), b.getShape());
        return owned(NDArrays.where(expanded(condition, shape, owner), expanded(a, shape, owner), expanded(b, shape, owner)), owner);
    }

    private static NDArray expanded(NDArray x, Shape shape, NDArray owner) {
        if (x.getShape().equals(shape)) {
            return x;
        }
        return owned(x.broadcast(shape), owner);
    }

    private static Shape broadcast(Shape a, Shape b) {
        return new Shape(dev.stabilis.graph.Shapes.broadcast(a.getShape(), b.getShape()));
    }

    /** {@code c − x}, owned by x's manager. */
    public static NDArray minus(NDArray c, NDArray x) {
        return owned(c.sub(x), x);
    }

    /** {@code c / x}, owned by x's manager. */
    public static NDArray over(NDArray c, NDArray x) {
        return owned(c.div(x), x);
    }

    /** {@code a · b} for model constants a and b, owned by {@code owner}'s manager. */
    public static NDArray times(NDArray a, NDArray b, NDArray owner) {
        return owned(a.mul(b), owner);
    }

    /** {@code result}, moved to {@code owner}'s manager. */
    public static NDArray owned(NDArray result, NDArray owner) {
        result.attach(owner.getManager());
        return result;
    }
}
