package dev.stabilis.graph;

import java.util.Arrays;

/** Shape rules shared by the operators that reduce over axes. */
final class Reductions {

    private Reductions() {}

    static int[] sorted(int[] axes) {
        if (axes.length == 0) {
            throw new IllegalArgumentException("a reduction needs at least one axis");
        }
        int[] out = axes.clone();
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException("axis " + out[i] + " is reduced twice");
            }
        }
        return out;
    }

    static long[] outputShape(long[] in, int[] axes, boolean keepDims) {
        boolean[] reduced = new boolean[in.length];
        for (int a : axes) {
            if (a < 0 || a >= in.length || Shapes.carriesBatch(in[a])) {
                throw new IllegalArgumentException("cannot reduce axis " + a + " of shape " + Arrays.toString(in));
            }
            reduced[a] = true;
        }
        long[] out = new long[keepDims ? in.length : in.length - axes.length];
        int k = 0;
        for (int i = 0; i < in.length; i++) {
            if (!reduced[i]) {
                out[k++] = in[i];
            } else if (keepDims) {
                out[k++] = 1;
            }
        }
        return out;
    }

    /** The number of elements reduced into each output element. */
    static long count(long[] in, int[] axes) {
        long n = 1;
        for (int a : axes) {
            n *= in[a];
        }
        return n;
    }
}
