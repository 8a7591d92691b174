package dev.stabilis.onnx;

import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Shapes;
import java.util.Arrays;

/**
 * A value known at load time: an initializer, a Constant node, or the folded result of shape arithmetic. Values are
 * held as doubles so int64 shape arithmetic and float32 weights share one type. Shape arithmetic may depend on the
 * batch size N, unknown at load time: element i stands for {@code values[i] + perBatch[i]·N}, so
 * {@code Shape(x)} of an input {@code [N, 64]} reads {@code [0 + 1·N, 64]}.
 *
 * @param shape dimensions
 * @param values row-major values (the constant part)
 * @param perBatch the coefficient of N per element, or null where none depends on N
 * @param floating whether the ONNX element type is a floating-point type
 */
record KnownTensor(long[] shape, double[] values, long[] perBatch, boolean floating) {

    KnownTensor {
        if (Shapes.size(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
        }
        if (perBatch != null) {
            if (perBatch.length != values.length) {
                throw new IllegalArgumentException("batch coefficients do not match the values");
            }
            if (Arrays.stream(perBatch).allMatch(p -> p == 0)) {
                perBatch = null;
            }
        }
    }

    KnownTensor(long[] shape, double[] values, boolean floating) {
        this(shape, values, null, floating);
    }

    static KnownTensor ofLongs(long[] shape, long... values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return new KnownTensor(shape, d, false);
    }

    /** {@code Shape(x)} of a value of symbolic shape {@code dims} ({@link Shapes}). */
    static KnownTensor shapeOf(long[] dims) {
        double[] values = new double[dims.length];
        long[] perBatch = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (Shapes.carriesBatch(dims[i])) {
                perBatch[i] = Shapes.multiple(dims[i]);
            } else {
                values[i] = dims[i];
            }
        }
        return new KnownTensor(new long[] {dims.length}, values, perBatch, false);
    }

    int rank() {
        return shape.length;
    }

    int size() {
        return values.length;
    }

    /** Whether some element depends on the batch size. */
    boolean dependsOnBatch() {
        return perBatch != null;
    }

    long batchCoefficient(int i) {
        return perBatch == null ? 0 : perBatch[i];
    }

    /** The elements at {@code from} (flat indices, repeats allowed) under a new shape. */
    KnownTensor pick(int[] from, long[] newShape) {
        double[] v = new double[from.length];
        long[] p = perBatch == null ? null : new long[from.length];
        for (int i = 0; i < from.length; i++) {
            v[i] = values[from[i]];
            if (p != null) {
                p[i] = perBatch[from[i]];
            }
        }
        return new KnownTensor(newShape, v, p, floating);
    }

    /** The same elements under another shape of equal size. */
    KnownTensor reshaped(long[] newShape) {
        return new KnownTensor(newShape, values, perBatch, floating);
    }

    /**
     * The elements as symbolic dimensions ({@link Shapes}): a constant {@code d ≥ 0}, or {@code m·N} as −m.
     *
     * @throws IllegalArgumentException for an element {@code d + m·N} with both parts, or a negative constant
     */
    long[] dims() {
        long[] out = new long[values.length];
        for (int i = 0; i < out.length; i++) {
            long p = batchCoefficient(i);
            if (p == 0) {
                out[i] = (long) values[i];
            } else if (values[i] == 0 && p > 0) {
                out[i] = Shapes.batchTimes(p);
            } else {
                throw new IllegalArgumentException("a dimension " + (long) values[i] + " + " + p + "·N is not supported");
            }
        }
        return out;
    }

    /** The values as int64. */
    long[] longs() {
        requireFixed();
        long[] out = new long[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) values[i];
        }
        return out;
    }

    HostTensor toHostTensor() {
        requireFixed();
        return new HostTensor(shape, values);
    }

    double scalar() {
        requireFixed();
        if (values.length != 1) {
            throw new IllegalStateException("expected a single value, shape " + Arrays.toString(shape));
        }
        return values[0];
    }

    private void requireFixed() {
        if (perBatch != null) {
            throw new IllegalArgumentException("a value computed from the batch size is used where a constant is needed");
        }
    }
}
