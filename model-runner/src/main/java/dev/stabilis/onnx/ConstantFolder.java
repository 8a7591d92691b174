package dev.stabilis.onnx;

import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Evaluates, at load time, the glue operators whose inputs are all known: the Shape → Gather → Unsqueeze →
 * Concat chains exporters emit to compute a Reshape target, plus Squeeze, Cast and Identity.
 */
final class ConstantFolder {

    /** Operators this folder evaluates. */
    static final Set<String> FOLDABLE = Set.of("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Identity");

    private ConstantFolder() {}

    /**
     * Applies {@code op} to known inputs.
     *
     * @param inputs the inputs in node order; null for an omitted optional input
     */
    static Constant fold(String op, NodeAttributes attrs, List<Constant> inputs) {
        return switch (op) {
            case "Shape" -> shapeOf(inputs.get(0).shape(), attrs);
            case "Gather" -> gather(inputs.get(0), inputs.get(1), (int) attrs.integer("axis", 0));
            case "Unsqueeze" -> unsqueeze(inputs.get(0), axes(attrs, inputs));
            case "Squeeze" -> squeeze(inputs.get(0), axes(attrs, inputs));
            case "Concat" -> concat(inputs, (int) attrs.integer("axis", 0));
            case "Cast" -> cast(inputs.get(0), (int) attrs.integer("to", TensorDecoder.FLOAT));
            case "Identity" -> inputs.get(0);
            default -> throw new IllegalArgumentException("operator " + op + " cannot be evaluated at load time");
        };
    }

    /** The Shape operator (with opset-15 start/end) of a tensor whose shape may hold {@link Constant#BATCH}. */
    static Constant shapeOf(double[] dims, NodeAttributes attrs) {
        int rank = dims.length;
        int start = clampAxis(attrs.integer("start", 0), rank);
        int end = clampAxis(attrs.integer("end", rank), rank);
        double[] out = end > start ? Arrays.copyOfRange(dims, start, end) : new double[0];
        return new Constant(new long[] {out.length}, out, false);
    }

    private static Constant shapeOf(long[] shape, NodeAttributes attrs) {
        double[] dims = new double[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape[i];
        }
        return shapeOf(dims, attrs);
    }

    private static int clampAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, a));
    }

    private static long[] axes(NodeAttributes attrs, List<Constant> inputs) {
        if (attrs.has("axes")) {
            return attrs.integers("axes", new long[0]);
        }
        if (inputs.size() > 1 && inputs.get(1) != null) {
            return inputs.get(1).longs(0);
        }
        return null;
    }

    private static int normalize(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    private static Constant gather(Constant data, Constant indices, int axis) {
        int rank = data.rank();
        int ax = normalize(axis, rank);
        long[] shape = data.shape();
        int outer = (int) Shapes.size(Arrays.copyOfRange(shape, 0, ax));
        int inner = (int) Shapes.size(Arrays.copyOfRange(shape, ax + 1, rank));
        int axisLength = (int) shape[ax];
        long[] idx = indices.longs(0);
        double[] out = new double[outer * idx.length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (long index : idx) {
                long i = index < 0 ? index + axisLength : index;
                if (i < 0 || i >= axisLength) {
                    throw new IllegalArgumentException("Gather index " + index + " is out of range for length " + axisLength);
                }
                System.arraycopy(data.values(), (int) ((o * (long) axisLength + i) * inner), out, k, inner);
                k += inner;
            }
        }
        long[] outShape = new long[rank - 1 + indices.rank()];
        System.arraycopy(shape, 0, outShape, 0, ax);
        System.arraycopy(indices.shape(), 0, outShape, ax, indices.rank());
        System.arraycopy(shape, ax + 1, outShape, ax + indices.rank(), rank - ax - 1);
        return new Constant(outShape, out, data.floating());
    }

    private static Constant unsqueeze(Constant data, long[] axes) {
        if (axes == null) {
            throw new IllegalArgumentException("Unsqueeze needs axes");
        }
        int outRank = data.rank() + axes.length;
        boolean[] inserted = new boolean[outRank];
        for (long a : axes) {
            inserted[normalize(a, outRank)] = true;
        }
        long[] outShape = new long[outRank];
        int src = 0;
        for (int i = 0; i < outRank; i++) {
            outShape[i] = inserted[i] ? 1 : data.shape()[src++];
        }
        return new Constant(outShape, data.values(), data.floating());
    }

    private static Constant squeeze(Constant data, long[] axes) {
        List<Long> kept = new ArrayList<>();
        boolean[] drop = new boolean[data.rank()];
        if (axes == null) {
            for (int i = 0; i < drop.length; i++) {
                drop[i] = data.shape()[i] == 1;
            }
        } else {
            for (long a : axes) {
                int ax = normalize(a, data.rank());
                if (data.shape()[ax] != 1) {
                    throw new IllegalArgumentException("Squeeze of axis " + a + " whose size is " + data.shape()[ax]);
                }
                drop[ax] = true;
            }
        }
        for (int i = 0; i < drop.length; i++) {
            if (!drop[i]) {
                kept.add(data.shape()[i]);
            }
        }
        return new Constant(kept.stream().mapToLong(Long::longValue).toArray(), data.values(), data.floating());
    }

    private static Constant concat(List<Constant> inputs, int axis) {
        Constant first = inputs.get(0);
        int rank = first.rank();
        int ax = normalize(axis, rank);
        long[] outShape = first.shape().clone();
        outShape[ax] = 0;
        for (Constant c : inputs) {
            if (c.rank() != rank) {
                throw new IllegalArgumentException("Concat inputs differ in rank");
            }
            outShape[ax] += c.shape()[ax];
        }
        int outer = (int) Shapes.size(Arrays.copyOfRange(first.shape(), 0, ax));
        double[] out = new double[(int) Shapes.size(outShape)];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (Constant c : inputs) {
                int block = (int) Shapes.size(Arrays.copyOfRange(c.shape(), ax, rank));
                System.arraycopy(c.values(), o * block, out, k, block);
                k += block;
            }
        }
        return new Constant(outShape, out, first.floating());
    }

    private static Constant cast(Constant data, int to) {
        boolean floating = to == TensorDecoder.FLOAT || to == TensorDecoder.DOUBLE;
        double[] out = data.values().clone();
        for (int i = 0; i < out.length; i++) {
            if (to == TensorDecoder.FLOAT) {
                out[i] = (float) out[i];
            } else if (!floating && !Double.isNaN(out[i])) {
                out[i] = (long) out[i];
            }
        }
        return new Constant(data.shape(), out, floating);
    }
}
