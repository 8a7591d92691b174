package dev.stabilis.onnx;

import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.MaxPool2d;

/**
 * The 2-D sliding-window attributes of Conv, AveragePool and MaxPool: explicit pads from {@code pads} or
 * {@code auto_pad}, and {@code ceil_mode} folded into extra end padding so each pooling is one fixed window map.
 */
final class SlidingWindows {

    private SlidingWindows() {}

    /**
     * Explicit pads {@code [top, left, bottom, right]} from {@code pads} or {@code auto_pad}.
     *
     * @param spatial the input's spatial sizes {@code [H, W]}
     */
    static int[] pads(NodeAttributes attrs, long[] spatial, int[] kernel, int[] strides, int[] dilations) {
        String autoPad = attrs.string("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                return attrs.ints("pads", new int[4]);
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

    static Window window(NodeAttributes attrs, long[] spatial) {
        int[] kernel = attrs.ints("kernel_shape", null);
        if (kernel == null || kernel.length != 2) {
            throw new IllegalArgumentException("only 2-D pooling is supported, kernel_shape "
                    + (kernel == null ? "missing" : java.util.Arrays.toString(kernel)));
        }
        int[] strides = attrs.ints("strides", new int[] {1, 1});
        int[] dilations = attrs.ints("dilations", new int[] {1, 1});
        int[] pads = pads(attrs, spatial, kernel, strides, dilations);
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

    static MaxPool2d maxPool(NodeAttributes attrs, long[] spatial) {
        Window w = window(attrs, spatial);
        return new MaxPool2d(w.kernel(), w.strides(), w.ceilPads(), w.dilations());
    }

    static AveragePool2d averagePool(NodeAttributes attrs, long channels, long[] spatial) {
        Window w = window(attrs, spatial);
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
