package dev.stabilis.engine;

import java.util.function.IntToDoubleFunction;

/** libtorch's {@code argmax} of values on the host: the index of the first largest, a NaN counting as largest. */
public final class Argmax {

    private Argmax() {}

    /**
     * @param width how many values, at least one
     * @param value the value at each index in {@code [0, width)}
     */
    public static int firstLargest(int width, IntToDoubleFunction value) {
        int best = 0;
        double largest = value.applyAsDouble(0);
        for (int j = 1; j < width && !Double.isNaN(largest); j++) {
            double v = value.applyAsDouble(j);
            if (v > largest || Double.isNaN(v)) {
                best = j;
                largest = v;
            }
        }
        return best;
    }
}
