package dev.stabilis.onnx;

import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Shapes;
import java.util.Arrays;

/**
 * A value known at load time: an initializer, a Constant node, or the folded result of glue operators.
 * Values are held as doubles so int64 shape arithmetic and float32 weights share one type; the batch size,
 * unknown at load time, is {@link #BATCH} (NaN), so a shape computed from the input reads {@code [BATCH, 64]}.
 *
 * @param shape dimensions
 * @param values row-major values
 * @param floating whether the ONNX element type is a floating-point type
 */
record Constant(long[] shape, double[] values, boolean floating) {

    /** Stands for the batch size in shapes computed at load time. */
    static final double BATCH = Double.NaN;

    Constant {
        if (Shapes.size(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
        }
    }

    static Constant ofLongs(long[] shape, long... values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return new Constant(shape, d, false);
    }

    int rank() {
        return shape.length;
    }

    /** The values as int64, with {@link #BATCH} mapped to {@code batchValue}. */
    long[] longs(long batchValue) {
        long[] out = new long[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isNaN(values[i]) ? batchValue : (long) values[i];
        }
        return out;
    }

    boolean dependsOnBatch() {
        for (double v : values) {
            if (Double.isNaN(v)) {
                return true;
            }
        }
        return false;
    }

    HostTensor toHostTensor() {
        return new HostTensor(shape, values);
    }

    double scalar() {
        if (values.length != 1) {
            throw new IllegalStateException("expected a single value, shape " + Arrays.toString(shape));
        }
        return values[0];
    }
}
