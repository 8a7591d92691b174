package dev.stabilis.attack;

import dev.stabilis.certify.InputDomain;
import java.util.Arrays;
import java.util.Random;

/**
 * The boxes {@code [x − ε, x + ε] ∩ domain} of a batch of float32 samples, flattened row after row. The ends are
 * rounded inward to float32, so every float32 point between them lies in the exact box; projecting onto them
 * keeps attacks inside the box that certificates bound.
 */
final class SampleBoxes {

    private final int size;
    private final float[] lower;
    private final float[] upper;
    private final Random[] randoms;

    /**
     * @param seed mixed with each sample's values into that sample's random stream
     */
    SampleBoxes(float[][] rows, double epsilon, InputDomain domain, long seed) {
        this.size = domain.features();
        this.lower = new float[rows.length * size];
        this.upper = new float[rows.length * size];
        this.randoms = new Random[rows.length];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != size) {
                throw new IllegalArgumentException("sample " + r + " has " + rows[r].length + " features, the model expects " + size);
            }
            for (int i = 0; i < size; i++) {
                lower[r * size + i] = roundUp(domain.lower(i, rows[r][i], epsilon));
                upper[r * size + i] = roundDown(domain.upper(i, rows[r][i], epsilon));
            }
            randoms[r] = new Random(seed ^ Arrays.hashCode(rows[r]));
        }
    }

    private static float roundUp(double v) {
        float f = (float) v;
        return f < v ? Math.nextUp(f) : f;
    }

    private static float roundDown(double v) {
        float f = (float) v;
        return f > v ? Math.nextDown(f) : f;
    }

    int rows() {
        return randoms.length;
    }

    /** A uniform point of every box, from each sample's own random stream. */
    float[] uniform() {
        float[] x = new float[lower.length];
        for (int r = 0; r < randoms.length; r++) {
            for (int i = r * size; i < (r + 1) * size; i++) {
                x[i] = project(i, (float) (lower[i] + randoms[r].nextDouble() * ((double) upper[i] - lower[i])));
            }
        }
        return x;
    }

    /** {@code x − step · sign(direction)}, projected onto the boxes. */
    float[] descend(float[] x, double[] direction, double step) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = project(i, (float) (x[i] - step * Math.signum(direction[i])));
        }
        return out;
    }

    private float project(int i, float v) {
        return Math.min(upper[i], Math.max(lower[i], v));
    }

    /**
     * Fails when a point is outside its box: every iterate passes this check, so an attack that would report a
     * point outside the certificate's box stops instead.
     */
    void requireInside(float[] x) {
        for (int i = 0; i < x.length; i++) {
            if (!(x[i] >= lower[i] && x[i] <= upper[i])) {
                throw new IllegalStateException("attack iterate left the box: sample " + i / size + " feature " + i % size
                        + " = " + x[i] + " outside [" + lower[i] + ", " + upper[i] + "]");
            }
        }
    }
}
