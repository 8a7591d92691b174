package dev.stabilis.onnx;

import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.MaxPool2d;
import java.util.Arrays;

/**
 * The sliding-window attributes of Conv, AveragePool and MaxPool over one or two spatial axes, always as two: a 1-D
 * window over {@code [N, C, L]} is a 2-D window of height 1 over {@code [N, C, 1, L]}. Explicit pads come from
 * {@code pads} or {@code auto_pad}, and {@code ceil_mode} is folded into extra end padding so each pooling is one
 * fixed window map.
 */
final class SlidingWindows {

    private final NodeAttributes attrs;
    private final int rank;
    private final long[] spatial;

    /**
     * @param spatial the input's spatial sizes, {@code [L]} or {@code [H, W]}
     * @throws IllegalArgumentException for another number of spatial axes
     */
    SlidingWindows(NodeAttributes attrs, long[] spatial) {
        if (spatial.length != 1 && spatial.length != 2) {
            throw new IllegalArgumentException("only 1-D and 2-D windows are supported: expects [N, C, L] or [N, C, H, W], got "
                    + spatial.length + " spatial axes");
        }
        this.attrs = attrs;
        this.rank = spatial.length;
        this.spatial = rank == 1 ? new long[] {1, spatial[0]} : spatial.clone();
    }

    /** The spatial sizes as two, {@code [H, W]}. */
    long[] spatial() {
        return spatial.clone();
    }

    /** A per-axis attribute as two values; a 1-D attribute gets {@code fill} for the height. */
    int[] perAxis(String name, int fill) {
        int[] v = attrs.ints(name, null);
        if (v == null) {
            return new int[] {fill, fill};
        }
        if (v.length != rank) {
            throw new IllegalArgumentException(name + " " + Arrays.toString(v) + " does not fit " + rank + " spatial axes");
        }
        return rank == 1 ? new int[] {fill, v[0]} : v;
    }

    /** The kernel size as two: pooling's {@code kernel_shape}. */
    int[] kernelShape() {
        if (!attrs.has("kernel_shape")) {
            throw new IllegalArgumentException("kernel_shape is missing");
        }
        return perAxis("kernel_shape", 1);
    }

    /** Explicit pads {@code [top, left, bottom, right]} from {@code pads} or {@code auto_pad}. */
    int[] pads(int[] kernel, int[] strides, int[] dilations) {
        String autoPad = attrs.string("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                int[] p = attrs.ints("pads", null);
                if (p == null) {
                    return new int[4];
                }
                if (p.length != 2 * rank) {
                    throw new IllegalArgumentException("pads " + Arrays.toString(p) + " does not fit " + rank + " spatial axes");
                }
                return rank == 1 ? new int[] {0, p[0], 0, p[1]} : p;
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] pads = new int[4];
                for (int axis = 0; axis < 2; axis++) {
                    long in = spatial[axis];
                    long out = (in + strides[axis] - 1) / strides[axis];
                    long total = Math.max(0, (out - 1) * strides[axis] + (long) dilations[axis] * (kernel[axis] - 1) + 1 - in);
                    int small = (int) (total / 2);
                    int large = (int) (total - small);
                    boolean upper = autoPad.equals("SAME_UPPER");
                    pads[axis] = upper ? small : large;
                    pads[axis + 2] = upper ? large : small;
                }
                return pads;
            }
            default -> throw new IllegalArgumentException("unknown auto_pad " + autoPad);
        }
    }

    /** A pooling node's window: kernel, strides, dilations and pads with ceil mode folded in. */
    record Window(int[] kernel, int[] strides, int[] dilations, int[] pads, int[] ceilPads, long[] output) {}

    Window window() {
        int[] kernel = kernelShape();
        int[] strides = perAxis("strides", 1);
        int[] dilations = perAxis("dilations", 1);
        int[] pads = pads(kernel, strides, dilations);
        boolean ceil = attrs.integer("ceil_mode", 0) != 0;
        int[] withCeil = pads.clone();
        long[] output = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            long in = spatial[axis];
            int span = dilations[axis] * (kernel[axis] - 1) + 1;
            long padded = in + pads[axis] + pads[axis + 2];
            long out = (padded - span) / strides[axis] + 1;
            if (ceil) {
                long ceilOut = (padded - span + strides[axis] - 1) / strides[axis] + 1;
                if ((ceilOut - 1) * strides[axis] >= in + pads[axis]) {
                    ceilOut--;
                }
                withCeil[axis + 2] += (int) Math.max(0, (ceilOut - 1) * strides[axis] + span - padded);
                out = ceilOut;
            }
            output[axis] = out;
        }
        return new Window(kernel, strides, dilations, pads, withCeil, output);
    }

    MaxPool2d maxPool() {
        Window w = window();
        return new MaxPool2d(w.kernel(), w.strides(), w.ceilPads(), w.dilations());
    }

    AveragePool2d averagePool(long channels) {
        Window w = window();
        boolean countPads = attrs.integer("count_include_pad", 0) != 0;
        double[][] inverse = new double[2][];
        for (int axis = 0; axis < 2; axis++) {
            long lo = countPads ? -w.pads()[axis] : 0;
            long hi = countPads ? spatial[axis] + w.pads()[axis + 2] : spatial[axis];
            inverse[axis] = new double[(int) w.output()[axis]];
            for (int o = 0; o < w.output()[axis]; o++) {
                int count = 0;
                for (int k = 0; k < w.kernel()[axis]; k++) {
                    long pos = (long) o * w.strides()[axis] - w.pads()[axis] + (long) k * w.dilations()[axis];
                    if (pos >= lo && pos < hi) {
                        count++;
                    }
                }
                inverse[axis][o] = count == 0 ? 0 : 1.0 / count;
            }
        }
        double[] map = new double[inverse[0].length * inverse[1].length];
        for (int i = 0; i < inverse[0].length; i++) {
            for (int j = 0; j < inverse[1].length; j++) {
                map[i * inverse[1].length + j] = inverse[0][i] * inverse[1][j];
            }
        }
        HostTensor inverseCount = new HostTensor(new long[] {inverse[0].length, inverse[1].length}, map);
        return new AveragePool2d(channels, w.kernel(), w.strides(), w.ceilPads(), w.dilations(), inverseCount);
    }
}
