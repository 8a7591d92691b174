package dev.stabilis.graph;

import java.util.Arrays;

/** Shape arithmetic shared by the importer, the layers and the engine. */
public final class Shapes {

    private Shapes() {}

    /** Number of elements of a shape; 1 for a scalar. */
    public static long size(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** {@code shape} with {@code batch} prepended. */
    public static long[] withBatch(long batch, long[] shape) {
        long[] out = new long[shape.length + 1];
        out[0] = batch;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }

    /**
     * {@code [leading, 1, ..., 1]} with {@code rank} axes in all: a per-row value shaped to broadcast against a
     * tensor of that rank.
     */
    public static long[] perRow(long leading, int rank) {
        long[] out = new long[rank];
        Arrays.fill(out, 1);
        out[0] = leading;
        return out;
    }

    /**
     * The per-sample shape that results from applying a constant of shape {@code constant} elementwise to a
     * per-sample value of shape {@code sample} with numpy broadcasting. A constant of the full rank
     * (batch axis included) contributes its trailing axes. The constant must not widen the sample: the
     * layers apply constants in place.
     *
     * @throws IllegalArgumentException when the shapes do not broadcast, or the constant would widen the sample
     */
    public static void checkBroadcastsInto(long[] sample, long[] constant) {
        int fullRank = sample.length + 1;
        if (constant.length > fullRank) {
            throw new IllegalArgumentException("constant of shape " + Arrays.toString(constant)
                    + " has more axes than the input (" + fullRank + " with the batch axis)");
        }
        int offset = constant.length == fullRank ? 1 : 0;
        for (int i = offset; i < constant.length; i++) {
            long c = constant[i];
            long s = sample[sample.length - (constant.length - i)];
            if (c != 1 && c != s) {
                throw new IllegalArgumentException("constant of shape " + Arrays.toString(constant)
                        + " does not broadcast into a sample of shape " + Arrays.toString(sample));
            }
        }
    }
}
