package dev.stabilis.onnx;

import dev.stabilis.graph.Shapes;
import java.util.Arrays;

/**
 * The output shapes of ONNX's reshaping operators (Reshape, Flatten, Squeeze, Unsqueeze) on symbolic shapes
 * ({@link Shapes}: batch dimensions negative), shared by the load-time folder and the graph converter.
 */
final class Reshaping {

    private Reshaping() {}

    /**
     * Reshape's target: 0 copies the input's dimension (unless {@code allowZero}), one −1 takes what is left, and an
     * element computed from the batch size ({@code m·N}) stays symbolic.
     */
    static long[] target(long[] in, KnownTensor target, boolean allowZero) {
        long[] out = new long[target.size()];
        int infer = -1;
        for (int i = 0; i < out.length; i++) {
            long perBatch = target.batchCoefficient(i);
            long value = (long) target.values()[i];
            if (perBatch != 0) {
                if (value != 0 || perBatch < 0) {
                    throw new IllegalArgumentException("Reshape to a dimension " + value + " + " + perBatch + "·N is not supported");
                }
                out[i] = Shapes.batchTimes(perBatch);
            } else if (value == 0 && !allowZero) {
                if (i >= in.length) {
                    throw new IllegalArgumentException("Reshape copies axis " + i + " which the input does not have");
                }
                out[i] = in[i];
            } else if (value == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("Reshape target has more than one -1");
                }
                infer = i;
                out[i] = 1;
            } else if (value < 0) {
                throw new IllegalArgumentException("Reshape to a negative dimension " + value);
            } else {
                out[i] = value;
            }
        }
        if (infer < 0) {
            return out;
        }
        long inCount = Shapes.perSample(in);
        long knownCount = Shapes.perSample(out);
        boolean inBatch = Arrays.stream(in).anyMatch(Shapes::carriesBatch);
        boolean knownBatch = Arrays.stream(out).anyMatch(Shapes::carriesBatch);
        if (knownCount == 0 || inCount % knownCount != 0 || (knownBatch && !inBatch)) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to "
                    + Arrays.toString(Arrays.stream(target.values()).mapToLong(v -> (long) v).toArray()));
        }
        long rest = inCount / knownCount;
        out[infer] = inBatch && !knownBatch ? Shapes.batchTimes(rest) : rest;
        return out;
    }

    /** Flatten to 2-D at {@code axis}. */
    static long[] flattened(long[] in, long axis) {
        int a = (int) (axis < 0 ? axis + in.length : axis);
        return new long[] {product(Arrays.copyOfRange(in, 0, a)), product(Arrays.copyOfRange(in, a, in.length))};
    }

    /** The product of symbolic dimensions; a batch dimension makes the product one. */
    static long product(long[] dims) {
        long fixed = 1;
        long batch = 0;
        for (long d : dims) {
            if (Shapes.carriesBatch(d)) {
                if (batch != 0) {
                    throw new IllegalArgumentException("two batch axes merged in " + Arrays.toString(dims));
                }
                batch = Shapes.multiple(d);
            } else {
                fixed *= d;
            }
        }
        return batch == 0 ? fixed : Shapes.batchTimes(batch * fixed);
    }

    static long[] unsqueezed(long[] in, long[] axes) {
        if (axes == null) {
            throw new IllegalArgumentException("Unsqueeze needs axes");
        }
        int outRank = in.length + axes.length;
        boolean[] inserted = new boolean[outRank];
        for (long a : axes) {
            inserted[Shapes.axis(a, outRank)] = true;
        }
        long[] out = new long[outRank];
        int src = 0;
        for (int i = 0; i < outRank; i++) {
            out[i] = inserted[i] ? 1 : in[src++];
        }
        return out;
    }

    static long[] squeezed(long[] in, long[] axes) {
        boolean[] drop = new boolean[in.length];
        if (axes == null) {
            for (int i = 0; i < drop.length; i++) {
                drop[i] = in[i] == 1;
            }
        } else {
            for (long a : axes) {
                int ax = Shapes.axis(a, in.length);
                if (in[ax] != 1) {
                    throw new IllegalArgumentException("Squeeze of axis " + a + " whose size is " + in[ax]);
                }
                drop[ax] = true;
            }
        }
        return java.util.stream.IntStream.range(0, in.length).filter(i -> !drop[i]).mapToLong(i -> in[i]).toArray();
    }
}
