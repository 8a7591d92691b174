package dev.stabilis.onnx;

import dev.stabilis.graph.Shapes;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Evaluates, at load time, operators whose inputs are all known: the shape arithmetic exporters emit around
 * Reshape and Expand (Shape, Gather, Slice, Concat, Unsqueeze, arithmetic, Equal/Where, ConstantOfShape, Range), and
 * transformations of weights (Transpose, Reshape, Cast). Shape arithmetic may involve the batch size
 * ({@link KnownTensor}): sums and products with constants stay exact in N; a product of two batch-dependent values,
 * or a comparison whose outcome depends on N, is refused.
 */
final class ConstantFolder {

    /** Operators this folder evaluates. */
    static final Set<String> FOLDABLE = Set.of("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Identity",
            "Reshape", "Flatten", "Transpose", "Slice", "Add", "Sub", "Mul", "Div", "Neg", "Sqrt", "Reciprocal", "Pow",
            "Equal", "Where", "ConstantOfShape", "Expand", "Range", "Not", "Less", "Greater", "Min", "Max", "Abs", "Size");

    private ConstantFolder() {}

    /**
     * Applies {@code op} to known inputs.
     *
     * @param inputs the inputs in node order; null for an omitted optional input
     */
    static KnownTensor fold(String op, NodeAttributes attrs, List<KnownTensor> inputs) {
        KnownTensor x = inputs.isEmpty() ? null : inputs.get(0);
        return switch (op) {
            case "Shape" -> shapeOf(x.shape(), attrs);
            case "Size" -> KnownTensor.ofLongs(new long[0], Shapes.size(x.shape()));
            case "Gather" -> gather(x, inputs.get(1), (int) attrs.integer("axis", 0));
            case "Unsqueeze" -> x.reshaped(Reshaping.unsqueezed(x.shape(), axes(attrs, inputs)));
            case "Squeeze" -> x.reshaped(Reshaping.squeezed(x.shape(), axes(attrs, inputs)));
            case "Reshape" -> x.reshaped(Reshaping.target(x.shape(), inputs.get(1), attrs.integer("allowzero", 0) != 0));
            case "Flatten" -> x.reshaped(Reshaping.flattened(x.shape(), attrs.integer("axis", 1)));
            case "Concat" -> concat(inputs, (int) attrs.integer("axis", 0));
            case "Transpose" -> transpose(x, attrs.ints("perm", null));
            case "Slice" -> slice(x, Slicing.of(attrs, inputs, x.shape()));
            case "Cast" -> cast(x, (int) attrs.integer("to", TensorDecoder.FLOAT));
            case "Identity" -> x;
            case "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "Min", "Max" -> arithmetic(op, x, inputs.get(1));
            case "Neg" -> scaled(x, -1);
            case "Abs", "Sqrt", "Reciprocal", "Not" -> unary(op, x);
            case "Where" -> where(x, inputs.get(1), inputs.get(2));
            case "ConstantOfShape" -> constantOfShape(x, attrs);
            case "Expand" -> expand(x, inputs.get(1).longs());
            case "Range" -> range(x.scalar(), inputs.get(1).scalar(), inputs.get(2).scalar(), x.floating());
            default -> throw new IllegalArgumentException("operator " + op + " cannot be evaluated at load time");
        };
    }

    /** The Shape operator (with opset-15 start/end) of a value of symbolic shape {@code dims}. */
    static KnownTensor shapeOf(long[] dims, NodeAttributes attrs) {
        int rank = dims.length;
        int start = clampAxis(attrs.integer("start", 0), rank);
        int end = clampAxis(attrs.integer("end", rank), rank);
        return KnownTensor.shapeOf(end > start ? Arrays.copyOfRange(dims, start, end) : new long[0]);
    }

    private static int clampAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, a));
    }

    /** The axes of Squeeze/Unsqueeze/Reduce*: the attribute (older opsets) or the second input; null if neither. */
    static long[] axes(NodeAttributes attrs, List<KnownTensor> inputs) {
        if (attrs.has("axes")) {
            return attrs.integers("axes", new long[0]);
        }
        if (inputs.size() > 1 && inputs.get(1) != null) {
            return inputs.get(1).longs();
        }
        return null;
    }

    private static KnownTensor gather(KnownTensor data, KnownTensor indices, int axis) {
        int rank = data.rank();
        int ax = Shapes.axis(axis, rank);
        long[] shape = data.shape();
        int outer = (int) Shapes.size(Arrays.copyOfRange(shape, 0, ax));
        int inner = (int) Shapes.size(Arrays.copyOfRange(shape, ax + 1, rank));
        int axisLength = (int) shape[ax];
        long[] idx = indices.longs();
        int[] from = new int[outer * idx.length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (long index : idx) {
                long i = index < 0 ? index + axisLength : index;
                if (i < 0 || i >= axisLength) {
                    throw new IllegalArgumentException("Gather index " + index + " is out of range for length " + axisLength);
                }
                for (int j = 0; j < inner; j++) {
                    from[k++] = (int) ((o * (long) axisLength + i) * inner + j);
                }
            }
        }
        long[] outShape = new long[rank - 1 + indices.rank()];
        System.arraycopy(shape, 0, outShape, 0, ax);
        System.arraycopy(indices.shape(), 0, outShape, ax, indices.rank());
        System.arraycopy(shape, ax + 1, outShape, ax + indices.rank(), rank - ax - 1);
        return data.pick(from, outShape);
    }

    private static KnownTensor concat(List<KnownTensor> inputs, int axis) {
        KnownTensor first = inputs.get(0);
        int rank = first.rank();
        int ax = Shapes.axis(axis, rank);
        long[] outShape = first.shape().clone();
        outShape[ax] = 0;
        for (KnownTensor c : inputs) {
            if (c.rank() != rank) {
                throw new IllegalArgumentException("Concat inputs differ in rank");
            }
            outShape[ax] += c.shape()[ax];
        }
        int outer = (int) Shapes.size(Arrays.copyOfRange(first.shape(), 0, ax));
        int total = (int) Shapes.size(outShape);
        double[] values = new double[total];
        long[] perBatch = new long[total];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (KnownTensor c : inputs) {
                int block = (int) Shapes.size(Arrays.copyOfRange(c.shape(), ax, rank));
                for (int j = 0; j < block; j++) {
                    values[k] = c.values()[o * block + j];
                    perBatch[k++] = c.batchCoefficient(o * block + j);
                }
            }
        }
        return new KnownTensor(outShape, values, perBatch, first.floating());
    }

    private static KnownTensor transpose(KnownTensor x, int[] perm) {
        int rank = x.rank();
        int[] p = perm;
        if (p == null) {
            p = new int[rank];
            for (int i = 0; i < rank; i++) {
                p[i] = rank - 1 - i;
            }
        }
        long[] in = x.shape();
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = in[p[i]];
        }
        long[] inStrides = strides(in);
        int[] from = new int[x.size()];
        long[] index = new long[rank];
        for (int flat = 0; flat < from.length; flat++) {
            long rest = flat;
            for (int i = rank - 1; i >= 0; i--) {
                index[i] = rest % out[i];
                rest /= out[i];
            }
            long source = 0;
            for (int i = 0; i < rank; i++) {
                source += index[i] * inStrides[p[i]];
            }
            from[flat] = (int) source;
        }
        return x.pick(from, out);
    }

    private static KnownTensor slice(KnownTensor x, Slicing slicing) {
        long[] in = x.shape();
        long[] out = slicing.outputShape(in);
        long[] inStrides = strides(in);
        int[] from = new int[(int) Shapes.size(out)];
        long[] index = new long[in.length];
        for (int flat = 0; flat < from.length; flat++) {
            long rest = flat;
            for (int i = in.length - 1; i >= 0; i--) {
                index[i] = rest % out[i];
                rest /= out[i];
            }
            long source = 0;
            for (int i = 0; i < in.length; i++) {
                source += slicing.indices(i, in[i])[(int) index[i]] * inStrides[i];
            }
            from[flat] = (int) source;
        }
        return x.pick(from, out);
    }

    static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    private static KnownTensor cast(KnownTensor data, int to) {
        boolean floating = to == TensorDecoder.FLOAT || to == TensorDecoder.DOUBLE;
        double[] out = data.values().clone();
        for (int i = 0; i < out.length; i++) {
            if (to == TensorDecoder.FLOAT) {
                out[i] = (float) out[i];
            } else if (to == TensorDecoder.BOOL) {
                out[i] = out[i] != 0 ? 1 : 0;
            } else if (!floating) {
                out[i] = (long) out[i];
            }
        }
        return new KnownTensor(data.shape(), out, data.perBatch(), floating);
    }

    private static KnownTensor scaled(KnownTensor x, long factor) {
        double[] v = x.values().clone();
        long[] p = x.perBatch() == null ? null : x.perBatch().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
            if (p != null) {
                p[i] *= factor;
            }
        }
        return new KnownTensor(x.shape(), v, p, x.floating());
    }

    private static KnownTensor unary(String op, KnownTensor x) {
        if (x.dependsOnBatch()) {
            throw new IllegalArgumentException(op + " of a value computed from the batch size is not supported");
        }
        double[] v = x.values().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (op) {
                case "Abs" -> Math.abs(v[i]);
                case "Sqrt" -> Math.sqrt(v[i]);
                case "Reciprocal" -> 1 / v[i];
                default -> v[i] == 0 ? 1 : 0;
            };
        }
        return new KnownTensor(x.shape(), v, x.floating());
    }

    /** Binary arithmetic and comparisons with numpy broadcasting, exact in the batch size where it can be. */
    private static KnownTensor arithmetic(String op, KnownTensor a, KnownTensor b) {
        long[] shape = Shapes.broadcast(a.shape(), b.shape());
        int[] fromA = broadcastIndex(a.shape(), shape);
        int[] fromB = broadcastIndex(b.shape(), shape);
        double[] v = new double[fromA.length];
        long[] p = new long[fromA.length];
        boolean integer = !a.floating() && !b.floating();
        boolean comparison = Set.of("Equal", "Less", "Greater").contains(op);
        for (int i = 0; i < v.length; i++) {
            double x = a.values()[fromA[i]];
            double y = b.values()[fromB[i]];
            long px = a.batchCoefficient(fromA[i]);
            long py = b.batchCoefficient(fromB[i]);
            switch (op) {
                case "Add" -> {
                    v[i] = x + y;
                    p[i] = px + py;
                }
                case "Sub" -> {
                    v[i] = x - y;
                    p[i] = px - py;
                }
                case "Mul" -> {
                    if (px != 0 && py != 0) {
                        throw new IllegalArgumentException("a product of two values computed from the batch size is not supported");
                    }
                    v[i] = x * y;
                    p[i] = (long) (px * y + py * x);
                }
                case "Div" -> {
                    if (py != 0) {
                        throw new IllegalArgumentException("a division by a value computed from the batch size is not supported");
                    }
                    if (integer) {
                        if (px % (long) y != 0 || (px != 0 && x % y != 0)) { // exact, so truncation does not matter
                            throw new IllegalArgumentException("an integer division of a value computed from the batch size is not exact");
                        }
                        v[i] = (long) x / (long) y;
                        p[i] = px / (long) y;
                    } else {
                        requireFixed(px, op);
                        v[i] = x / y;
                    }
                }
                case "Pow", "Min", "Max" -> {
                    requireFixed(px, op);
                    requireFixed(py, op);
                    v[i] = op.equals("Pow") ? Math.pow(x, y) : op.equals("Min") ? Math.min(x, y) : Math.max(x, y);
                }
                default -> v[i] = compare(op, x, px, y, py) ? 1 : 0;
            }
        }
        return new KnownTensor(shape, v, comparison ? null : p, !comparison && (a.floating() || b.floating()));
    }

    /**
     * {@code x + px·N} against {@code y + py·N} for every batch size N ≥ 1; refused when the outcome depends on N.
     */
    private static boolean compare(String op, double x, long px, double y, long py) {
        if (px == py) {
            return op.equals("Equal") ? x == y : op.equals("Less") ? x < y : x > y;
        }
        // x + px N − (y + py N) = (x − y) + (px − py) N changes sign at N* = (y − x) / (px − py)
        double crossing = (y - x) / (px - py);
        if (op.equals("Equal")) {
            if (crossing >= 1 && crossing == Math.rint(crossing)) {
                throw new IllegalArgumentException("a comparison with the batch size whose outcome depends on it");
            }
            return false;
        }
        if (crossing >= 1) {
            throw new IllegalArgumentException("a comparison with the batch size whose outcome depends on it");
        }
        boolean less = px < py; // for N ≥ 1 past the crossing, the side with the smaller coefficient is smaller
        return op.equals("Less") == less;
    }

    private static void requireFixed(long coefficient, String op) {
        if (coefficient != 0) {
            throw new IllegalArgumentException(op + " of a value computed from the batch size is not supported");
        }
    }

    /** For each element of {@code shape}, the flat index of the element of {@code from} it broadcasts from. */
    static int[] broadcastIndex(long[] from, long[] shape) {
        int[] out = new int[(int) Shapes.size(shape)];
        long[] fromStrides = strides(from);
        int lead = shape.length - from.length;
        long[] index = new long[shape.length];
        for (int flat = 0; flat < out.length; flat++) {
            long rest = flat;
            for (int i = shape.length - 1; i >= 0; i--) {
                index[i] = rest % shape[i];
                rest /= shape[i];
            }
            long source = 0;
            for (int i = 0; i < from.length; i++) {
                source += (from[i] == 1 ? 0 : index[i + lead]) * fromStrides[i];
            }
            out[flat] = (int) source;
        }
        return out;
    }

    private static KnownTensor where(KnownTensor condition, KnownTensor a, KnownTensor b) {
        long[] shape = Shapes.broadcast(condition.shape(), Shapes.broadcast(a.shape(), b.shape()));
        int[] fromC = broadcastIndex(condition.shape(), shape);
        int[] fromA = broadcastIndex(a.shape(), shape);
        int[] fromB = broadcastIndex(b.shape(), shape);
        double[] v = new double[fromC.length];
        long[] p = new long[fromC.length];
        if (condition.dependsOnBatch()) {
            throw new IllegalArgumentException("Where on a condition computed from the batch size is not supported");
        }
        for (int i = 0; i < v.length; i++) {
            boolean pickA = condition.values()[fromC[i]] != 0;
            v[i] = pickA ? a.values()[fromA[i]] : b.values()[fromB[i]];
            p[i] = pickA ? a.batchCoefficient(fromA[i]) : b.batchCoefficient(fromB[i]);
        }
        return new KnownTensor(shape, v, p, a.floating());
    }

    private static KnownTensor constantOfShape(KnownTensor shapeInput, NodeAttributes attrs) {
        long[] shape = shapeInput.longs();
        KnownTensor fill = attrs.has("value") ? attrs.tensor("value") : new KnownTensor(new long[] {1}, new double[] {0}, true);
        double[] v = new double[(int) Shapes.size(shape)];
        Arrays.fill(v, fill.values()[0]);
        return new KnownTensor(shape, v, fill.floating());
    }

    private static KnownTensor expand(KnownTensor x, long[] target) {
        long[] shape = Shapes.broadcast(x.shape(), target);
        return x.pick(broadcastIndex(x.shape(), shape), shape);
    }

    private static KnownTensor range(double start, double limit, double delta, boolean floating) {
        int n = (int) Math.max(0, Math.ceil((limit - start) / delta));
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i * delta;
        }
        return new KnownTensor(new long[] {n}, v, floating);
    }
}
