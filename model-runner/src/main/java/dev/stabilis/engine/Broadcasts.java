package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/** The adjoint of numpy broadcasting: summing a gradient over the axes a value was broadcast along. */
final class Broadcasts {

    private Broadcasts() {}

    /** {@code grad} summed down to {@code shape} (which broadcasts to grad's shape). */
    static NDArray reduceTo(NDArray grad, Shape shape) {
        Shape from = grad.getShape();
        if (from.equals(shape)) {
            return grad;
        }
        int lead = from.dimension() - shape.dimension();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < from.dimension(); i++) {
            if (i < lead || (shape.get(i - lead) == 1 && from.get(i) != 1)) {
                axes.add(i);
            }
        }
        NDArray summed = axes.isEmpty() ? grad : grad.sum(axes.stream().mapToInt(Integer::intValue).toArray(), true);
        return summed.reshape(shape);
    }
}
