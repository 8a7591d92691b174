package dev.stabilis.graph;

import java.util.Arrays;

/**
 * Shape arithmetic shared by the importer, the graph and the analyses.
 *
 * <p>Shapes of graph values are full shapes, batch axes included. The batch size N is not known at load time, so
 * a dimension that carries it is symbolic: a negative value stands for {@code a·N·c} positions laid out as
 * {@code [a][N][c]}, so the sample of position i is {@code (i / c) mod N}. The usual case has nothing outside the
 * batch ({@code a = 1}) and is written {@code −c}: −1 is the batch axis itself, −8 the batch merged with eight
 * attention heads after it. Merging a fixed axis in front of the batch ({@code a > 1}, as multi-head attention does
 * when it views {@code [T, N, E]} as {@code [T·N, E]}) is written {@code −(a·c + a·2⁴⁰)}. Every other dimension is a
 * fixed size ≥ 0. {@link #resolve} substitutes N once a batch arrives.
 */
public final class Shapes {

    /** The batch axis: N. */
    public static final long BATCH = -1;

    private static final long OUTER_UNIT = 1L << 40;

    private Shapes() {}

    /** Number of elements of a shape of fixed dimensions; 1 for a scalar. */
    public static long size(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("symbolic or negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Whether a dimension carries the batch (is a multiple of N). */
    public static boolean carriesBatch(long dim) {
        return dim < 0;
    }

    /** The symbolic dimension {@code multiple·N}, laid out {@code [N][multiple]}. */
    public static long batchTimes(long multiple) {
        return batchDimension(1, multiple);
    }

    /** The symbolic dimension of {@code outer·N·inner} positions laid out {@code [outer][N][inner]}. */
    public static long batchDimension(long outer, long inner) {
        if (outer < 1 || inner < 1) {
            throw new IllegalArgumentException("a batch dimension needs positive factors, got " + outer + " and " + inner);
        }
        return outer == 1 ? -inner : -(outer * inner + outer * OUTER_UNIT);
    }

    /** The number of positions per batch entry of a symbolic dimension ({@code a·c}); a fixed dimension's size. */
    public static long multiple(long dim) {
        if (dim >= 0) {
            return dim;
        }
        return -dim < OUTER_UNIT ? -dim : (-dim) % OUTER_UNIT;
    }

    /** The factor {@code c} after the batch in a symbolic dimension {@code [a][N][c]}. */
    public static long inner(long dim) {
        return multiple(dim) / outer(dim);
    }

    /** The factor {@code a} in front of the batch in a symbolic dimension {@code [a][N][c]}. */
    public static long outer(long dim) {
        return dim >= 0 || -dim < OUTER_UNIT ? 1 : (-dim) / OUTER_UNIT;
    }

    /** The shape with N substituted for the batch. */
    public static long[] resolve(long[] shape, long n) {
        long[] out = shape.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 0) {
                out[i] = Math.multiplyExact(multiple(out[i]), n);
            }
        }
        return out;
    }

    /**
     * The batch size N of a concrete array of a value whose symbolic shape is {@code symbolic}.
     *
     * @throws IllegalArgumentException when no axis carries the batch
     */
    public static long batchOf(long[] symbolic, long[] actual) {
        for (int i = 0; i < symbolic.length; i++) {
            if (symbolic[i] < 0) {
                return actual[i] / multiple(symbolic[i]);
            }
        }
        throw new IllegalArgumentException("shape " + Arrays.toString(symbolic) + " has no batch axis");
    }

    /** The elements per batch entry of a symbolic shape: the product of fixed dimensions and batch multiples. */
    public static long perSample(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, multiple(d));
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

    /** {@code shape} without its first axis. */
    public static long[] withoutBatch(long[] shape) {
        return Arrays.copyOfRange(shape, 1, shape.length);
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

    /** An axis in {@code [−rank, rank)} as an index in {@code [0, rank)}. */
    public static int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    /**
     * Numpy broadcasting of two symbolic shapes. A batch dimension broadcasts against 1 and against an equal batch
     * dimension only.
     *
     * @throws IllegalArgumentException when the shapes do not broadcast
     */
    public static long[] broadcast(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (x == y || y == 1) {
                out[i] = x;
            } else if (x == 1) {
                out[i] = y;
            } else {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
        }
        return out;
    }

    /**
     * Checks that a constant of shape {@code constant} broadcasts into a value of shape {@code value} without
     * widening it (elementwise constants apply in place, per batch entry).
     *
     * @throws IllegalArgumentException when it would widen the value or vary along a batch axis
     */
    public static void checkBroadcastsInto(long[] value, long[] constant) {
        if (constant.length > value.length) {
            throw new IllegalArgumentException("constant of shape " + Arrays.toString(constant)
                    + " has more axes than the value " + Arrays.toString(value));
        }
        for (int i = 0; i < constant.length; i++) {
            long c = constant[i];
            long v = value[value.length - constant.length + i];
            if (c != 1 && c != v) {
                throw new IllegalArgumentException("constant of shape " + Arrays.toString(constant)
                        + " does not broadcast into a value of shape " + Arrays.toString(value));
            }
        }
    }
}
