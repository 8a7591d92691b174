package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.HostTensor;

/**
 * Magnitudes of float64 coefficients as float32 upper bounds: each rounded up to the next float32 at or above it
 * and raised to at least 2⁻¹²⁶, so that no coefficient is subnormal (a CPU that flushes subnormals to zero would
 * otherwise read a positive coefficient as 0). A product with such a copy bounds the product with the exact
 * magnitudes from above, up to the rounding of the float32 arithmetic, which the caller bounds.
 */
public final class SingleMagnitude {

    private SingleMagnitude() {}

    /** The least float32 ≥ {@code |value|}, at least {@link Float#MIN_NORMAL}; +∞ above float32's range. */
    public static float roundedUp(double value) {
        double magnitude = Math.abs(value);
        float f = (float) magnitude; // round to nearest
        if (f < magnitude) {
            f = Math.nextUp(f);
        }
        return Math.max(f, Float.MIN_NORMAL);
    }

    /** {@code |W|} of a row-major matrix {@code [rows, columns]}, rounded up ({@link #roundedUp}), as float32. */
    static NDArray of(NDManager manager, HostTensor matrix) {
        float[] values = new float[matrix.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = roundedUp(matrix.get(i));
        }
        return manager.create(values, new Shape(matrix.shape()));
    }
}
