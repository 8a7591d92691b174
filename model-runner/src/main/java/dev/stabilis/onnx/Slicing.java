package dev.stabilis.onnx;

import dev.stabilis.graph.Shapes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Slice resolved per axis to the positions it keeps: starts and ends clamped as the specification says, steps
 * of either sign, axes omitted meaning the leading ones. Starts, ends, axes and steps come from inputs (opset ≥ 10)
 * or attributes (older).
 */
final class Slicing {

    private final Map<Integer, long[]> byAxis = new HashMap<>();
    private final int rank;

    private Slicing(int rank) {
        this.rank = rank;
    }

    /**
     * @param shape the sliced value's shape; only the sliced axes' sizes are read, and they must be fixed
     */
    static Slicing of(NodeAttributes attrs, List<KnownTensor> inputs, long[] shape) {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (attrs.has("starts")) {
            starts = attrs.integers("starts", null);
            ends = attrs.integers("ends", null);
            axes = attrs.integers("axes", null);
        } else {
            starts = inputs.get(1).longs();
            ends = inputs.get(2).longs();
            axes = inputs.size() > 3 && inputs.get(3) != null ? inputs.get(3).longs() : null;
            steps = inputs.size() > 4 && inputs.get(4) != null ? inputs.get(4).longs() : null;
        }
        Slicing slicing = new Slicing(shape.length);
        for (int i = 0; i < starts.length; i++) {
            int axis = Shapes.axis(axes == null ? i : axes[i], shape.length);
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw new IllegalArgumentException("Slice step 0");
            }
            if (Shapes.carriesBatch(shape[axis])) {
                if (starts[i] == 0 && step == 1 && ends[i] >= Integer.MAX_VALUE) {
                    continue;
                }
                throw new IllegalArgumentException("Slice along axis " + axis + " of " + java.util.Arrays.toString(shape)
                        + ", which carries the batch, is not supported");
            }
            slicing.byAxis.put(axis, positions(starts[i], ends[i], step, shape[axis]));
        }
        return slicing;
    }

    private static long[] positions(long start, long end, long step, long dim) {
        long s = start < 0 ? start + dim : start;
        long e = end < 0 ? end + dim : end;
        if (step > 0) {
            s = Math.max(0, Math.min(dim, s));
            e = Math.max(0, Math.min(dim, e));
        } else {
            s = Math.max(-1, Math.min(dim - 1, s));
            e = Math.max(-1, Math.min(dim - 1, e));
        }
        long count = step > 0 ? Math.max(0, (e - s + step - 1) / step) : Math.max(0, (s - e - step - 1) / -step);
        long[] out = new long[(int) count];
        for (int k = 0; k < count; k++) {
            out[k] = s + k * step;
        }
        return out;
    }

    /** The axes that are sliced. */
    java.util.Set<Integer> axes() {
        return byAxis.keySet();
    }

    /** The positions kept on {@code axis} (all of {@code size} where the axis is not sliced). */
    long[] indices(int axis, long size) {
        long[] kept = byAxis.get(axis);
        if (kept != null) {
            return kept;
        }
        long[] all = new long[(int) size];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    long[] outputShape(long[] in) {
        long[] out = in.clone();
        for (int a = 0; a < rank; a++) {
            if (byAxis.containsKey(a)) {
                out[a] = byAxis.get(a).length;
            }
        }
        return out;
    }
}
