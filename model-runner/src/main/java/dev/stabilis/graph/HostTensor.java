package dev.stabilis.graph;

import java.util.Arrays;

/**
 * An immutable tensor of float64 values held on the host: the constants of a layer graph (weights, biases,
 * scales). Float32 model weights convert exactly; constants folded at load time (batch-norm scales, reciprocals
 * of divisors, merged scalings) keep float64 precision, so certified bounds are of the exported network.
 *
 * @param shape the dimensions, row-major; an empty shape is a scalar
 * @param data the values, {@code product(shape)} of them
 */
public record HostTensor(long[] shape, double[] data) {

    public HostTensor {
        shape = shape.clone();
        data = data.clone();
        if (Shapes.size(shape) != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + Shapes.size(shape) + " values, got " + data.length);
        }
    }

    /** A scalar tensor. */
    public static HostTensor scalar(double value) {
        return new HostTensor(new long[0], new double[] {value});
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public double[] data() {
        return data.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** Number of values. */
    public int size() {
        return data.length;
    }

    /** Value at flat row-major index {@code i}. */
    public double get(int i) {
        return data[i];
    }

    /** This tensor with every value multiplied by {@code factor}. */
    public HostTensor scaled(double factor) {
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = data[i] * factor;
        }
        return new HostTensor(shape, out);
    }

    /** This tensor with every value replaced by its absolute value. */
    public HostTensor absolute() {
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.abs(data[i]);
        }
        return new HostTensor(shape, out);
    }

    /** The same values under another shape of equal size. */
    public HostTensor reshaped(long... newShape) {
        return new HostTensor(newShape, data);
    }

    /** The transpose of a matrix. */
    public HostTensor transposed() {
        if (rank() != 2) {
            throw new IllegalStateException("transpose needs a matrix, shape is " + Arrays.toString(shape));
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        double[] out = new double[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[r * cols + c];
            }
        }
        return new HostTensor(new long[] {cols, rows}, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape);
    }
}
