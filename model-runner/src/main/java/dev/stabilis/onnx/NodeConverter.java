package dev.stabilis.onnx;

import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Activation.Kind;
import dev.stabilis.graph.Add;
import dev.stabilis.graph.Concat;
import dev.stabilis.graph.Constant;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Div;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.Expand;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.MatMul;
import dev.stabilis.graph.Mul;
import dev.stabilis.graph.Normalize;
import dev.stabilis.graph.PRelu;
import dev.stabilis.graph.Reduce;
import dev.stabilis.graph.ReduceMax;
import dev.stabilis.graph.Reshape;
import dev.stabilis.graph.Select;
import dev.stabilis.graph.Shapes;
import dev.stabilis.graph.Softmax;
import dev.stabilis.graph.Transpose;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Turns one ONNX node with at least one variable input into graph nodes. Each input is either a variable value
 * (computed from the model input) or a {@link KnownTensor}; constants become part of the operators.
 */
final class NodeConverter {

    /** Operators that are converted when an input is variable. */
    static final Set<String> SUPPORTED = Set.of("Identity", "Dropout", "Cast", "Relu", "LeakyRelu", "Elu", "Selu", "Sigmoid",
            "Tanh", "Softplus", "Erf", "Exp", "Log", "Sqrt", "Abs", "Reciprocal", "HardSigmoid", "HardSwish", "Gelu", "Clip",
            "Pow", "Neg", "PRelu", "Add", "Sub", "Mul", "Div", "Sum", "MatMul", "Gemm", "Conv", "BatchNormalization",
            "InstanceNormalization", "LayerNormalization", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose",
            "Concat", "Split", "Slice", "Gather", "Expand", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
            "ReduceMean", "ReduceSum", "ReduceMax", "Softmax", "LogSoftmax", "Pad", "ConstantOfShape");

    private static final Map<String, Kind> UNARY = Map.ofEntries(Map.entry("Relu", Kind.RELU), Map.entry("Sigmoid", Kind.SIGMOID),
            Map.entry("Tanh", Kind.TANH), Map.entry("Softplus", Kind.SOFTPLUS), Map.entry("Erf", Kind.ERF), Map.entry("Exp", Kind.EXP),
            Map.entry("Log", Kind.LOG), Map.entry("Sqrt", Kind.SQRT), Map.entry("Abs", Kind.ABS),
            Map.entry("Reciprocal", Kind.RECIPROCAL), Map.entry("HardSwish", Kind.HARD_SWISH));

    private final GraphBuilder graph;
    private final int opset;

    NodeConverter(GraphBuilder graph, int opset) {
        this.graph = graph;
        this.opset = opset;
    }

    /** One input of a node: a variable value's name, or a known tensor; both null for an omitted input. */
    record Operand(String variable, KnownTensor known) {

        boolean isVariable() {
            return variable != null;
        }

        boolean absent() {
            return variable == null && known == null;
        }
    }

    /**
     * Converts a node whose outputs are {@code outputs}; returns the value its first output is.
     *
     * @throws IllegalArgumentException when the node cannot be represented
     */
    String convert(String op, NodeAttributes attrs, List<Operand> in, List<String> outputs) {
        if (!SUPPORTED.contains(op)) {
            throw new IllegalArgumentException("unsupported operator " + op);
        }
        if (!in.get(0).isVariable() && !Set.of("Add", "Sub", "Mul", "Div", "MatMul", "Concat", "Sum", "Expand", "ConstantOfShape").contains(op)) {
            throw new IllegalArgumentException("the model input must reach operand 0 of " + op);
        }
        Operand first = in.get(0);
        String x = first.variable();
        Kind unary = UNARY.get(op);
        if (unary != null) {
            return graph.add(Activation.of(unary), x);
        }
        return switch (op) {
            case "Identity" -> x;
            case "Dropout" -> dropout(in, x);
            case "Cast" -> cast(attrs, x);
            case "LeakyRelu" -> graph.add(new Activation(Kind.LEAKY_RELU, attrs.real("alpha", 0.01f), 0), x);
            case "Elu" -> graph.add(new Activation(Kind.ELU, attrs.real("alpha", 1f), 0), x);
            case "Selu" -> graph.add(new Activation(Kind.SELU, attrs.real("alpha", 1.67326319217681884765625f),
                    attrs.real("gamma", 1.05070102214813232421875f)), x);
            case "HardSigmoid" -> graph.add(new Activation(Kind.HARD_SIGMOID, attrs.real("alpha", 0.2f), attrs.real("beta", 0.5f)), x);
            case "Gelu" -> gelu(attrs, x);
            case "Clip" -> clip(attrs, in, x);
            case "Pow" -> pow(in, x);
            case "Neg" -> graph.add(ElementwiseAffine.scale(HostTensor.scalar(-1)), x);
            case "PRelu" -> prelu(in, x);
            case "Add", "Sub", "Mul", "Div" -> binary(op, in.get(0), in.get(1));
            case "Sum" -> sum(in);
            case "MatMul" -> matMul(in.get(0), in.get(1));
            case "Gemm" -> gemm(attrs, in, x);
            case "Conv" -> conv(attrs, in, x);
            case "BatchNormalization" -> batchNorm(attrs, in, x);
            case "InstanceNormalization" -> instanceNorm(attrs, in, x);
            case "LayerNormalization" -> layerNorm(attrs, in, x);
            case "Flatten" -> graph.add(new Reshape(Reshaping.flattened(graph.shape(x), attrs.integer("axis", 1))), x);
            case "Reshape" -> reshape(attrs, in, x);
            case "Squeeze" -> graph.add(new Reshape(Reshaping.squeezed(graph.shape(x), axes(attrs, in))), x);
            case "Unsqueeze" -> graph.add(new Reshape(Reshaping.unsqueezed(graph.shape(x), axes(attrs, in))), x);
            case "Transpose" -> transpose(attrs, x);
            case "Concat" -> concat(attrs, in);
            case "Split" -> split(attrs, in, x, outputs);
            case "Slice" -> slice(attrs, in, x);
            case "Gather" -> gather(attrs, in, x);
            case "Expand" -> expand(in);
            case "MaxPool" -> maxPool(attrs, x, outputs);
            case "AveragePool" -> graph.add(SlidingWindows.averagePool(attrs, graph.shape(x)[1], spatial(x)), x);
            case "GlobalAveragePool" -> graph.add(new Reduce(spatialAxes(x), true, true), x);
            case "GlobalMaxPool" -> graph.add(new ReduceMax(spatialAxes(x), true), x);
            case "ReduceMean", "ReduceSum", "ReduceMax" -> reduce(op, attrs, in, x);
            case "Softmax", "LogSoftmax" -> softmax(op, attrs, x);
            case "Pad" -> pad(attrs, in, x);
            case "ConstantOfShape" -> constantOfShape(attrs, in);
            default -> throw new IllegalStateException("no conversion for " + op);
        };
    }

    private static List<KnownTensor> known(List<Operand> in) {
        return in.stream().map(Operand::known).toList();
    }

    private static long[] axes(NodeAttributes attrs, List<Operand> in) {
        return ConstantFolder.axes(attrs, known(in));
    }

    private static KnownTensor constant(Operand operand, String what) {
        if (operand == null || operand.known() == null) {
            throw new IllegalArgumentException(what + " must be a constant");
        }
        return operand.known();
    }

    private static HostTensor floating(Operand operand, String what) {
        KnownTensor k = constant(operand, what);
        if (!k.floating()) {
            throw new IllegalArgumentException(what + " with a non-floating-point constant is not supported");
        }
        return k.toHostTensor();
    }

    private static Operand input(List<Operand> in, int i) {
        return i < in.size() && !in.get(i).absent() ? in.get(i) : null;
    }

    private String dropout(List<Operand> in, String x) {
        Operand training = input(in, 2);
        if (training != null && (training.isVariable() || training.known().scalar() != 0)) {
            throw new IllegalArgumentException("Dropout in training mode is not supported");
        }
        return x;
    }

    private String cast(NodeAttributes attrs, String x) {
        int to = (int) attrs.integer("to", TensorDecoder.FLOAT);
        if (to != TensorDecoder.FLOAT && to != TensorDecoder.DOUBLE) {
            throw new IllegalArgumentException("Cast of the model's values to " + TensorDecoder.typeName(to) + " is not supported");
        }
        return x;
    }

    private String gelu(NodeAttributes attrs, String x) {
        if (!attrs.string("approximate", "none").equals("none")) {
            throw new IllegalArgumentException("Gelu with approximate='" + attrs.string("approximate", "") + "' is not supported");
        }
        return graph.add(Activation.of(Kind.GELU), x);
    }

    private String clip(NodeAttributes attrs, List<Operand> in, String x) {
        double lo = Double.NEGATIVE_INFINITY;
        double hi = Double.POSITIVE_INFINITY;
        if (attrs.has("min") || attrs.has("max")) {
            lo = attrs.has("min") ? attrs.real("min", 0) : lo;
            hi = attrs.has("max") ? attrs.real("max", 0) : hi;
        } else {
            lo = input(in, 1) == null ? lo : constant(in.get(1), "Clip min").scalar();
            hi = input(in, 2) == null ? hi : constant(in.get(2), "Clip max").scalar();
        }
        return Double.isInfinite(lo) && Double.isInfinite(hi) ? x : graph.add(new Activation(Kind.CLIP, lo, hi), x);
    }

    private String pow(List<Operand> in, String x) {
        double exponent = constant(in.get(1), "Pow exponent").scalar();
        return exponent == 1 ? x : graph.add(new Activation(Kind.POW, exponent, 0), x);
    }

    private String prelu(List<Operand> in, String x) {
        HostTensor slope = floating(in.get(1), "PRelu slope");
        return graph.add(new PRelu(slope), x);
    }

    /** Add, Sub, Mul or Div of a variable and a constant (an elementwise affine map) or of two variables. */
    private String binary(String op, Operand a, Operand b) {
        if (a.isVariable() && b.isVariable()) {
            String x = a.variable();
            String y = b.variable();
            boolean same = graph.resolve(x).equals(graph.resolve(y));
            return switch (op) {
                case "Add" -> graph.add(new Add(), x, y);
                case "Sub" -> graph.add(new Add(), x, graph.add(ElementwiseAffine.scale(HostTensor.scalar(-1)), y));
                case "Mul" -> same ? graph.add(new Activation(Kind.POW, 2, 0), x) : graph.add(new Mul(), x, y);
                default -> graph.add(new Div(), x, y);
            };
        }
        boolean variableFirst = a.isVariable();
        String x = variableFirst ? a.variable() : b.variable();
        KnownTensor c = (variableFirst ? b : a).known();
        long[] shape = graph.shape(x);
        if (!fitsInto(shape, c.shape())) {
            String constant = graph.add(new Constant(c.toHostTensor(), c.shape()));
            return binary(op, variableFirst ? a : new Operand(constant, null), variableFirst ? new Operand(constant, null) : b);
        }
        HostTensor value = c.toHostTensor();
        return switch (op) {
            case "Add" -> graph.add(ElementwiseAffine.shift(value), x);
            case "Sub" -> graph.add(variableFirst ? ElementwiseAffine.shift(value.scaled(-1))
                    : new ElementwiseAffine(HostTensor.scalar(-1), value), x);
            case "Mul" -> graph.add(ElementwiseAffine.scale(value), x);
            default -> variableFirst ? graph.add(ElementwiseAffine.scale(reciprocal(value)), x)
                    : graph.add(ElementwiseAffine.scale(value), graph.add(Activation.of(Kind.RECIPROCAL), x));
        };
    }

    private static boolean fitsInto(long[] shape, long[] constant) {
        try {
            Shapes.checkBroadcastsInto(shape, constant);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static HostTensor reciprocal(HostTensor c) {
        double[] v = c.data();
        for (int i = 0; i < v.length; i++) {
            if (v[i] == 0) {
                throw new IllegalArgumentException("Div by a constant that contains zero");
            }
            v[i] = 1 / v[i];
        }
        return new HostTensor(c.shape(), v);
    }

    private String sum(List<Operand> in) {
        Operand total = in.get(0);
        for (int i = 1; i < in.size(); i++) {
            total = new Operand(binary("Add", total, in.get(i)), null);
        }
        return total.variable();
    }

    /** MatMul by a constant matrix on the right is a dense map; other constant operands become constant nodes. */
    private String matMul(Operand a, Operand b) {
        if (a.isVariable() && !b.isVariable()) {
            KnownTensor w = b.known();
            if (w.rank() == 2) {
                return graph.add(new Dense(w.toHostTensor().transposed(), null), a.variable());
            }
            if (w.rank() == 1) {
                String column = graph.add(new Dense(w.toHostTensor().reshaped(1, w.size()), null), a.variable());
                long[] shape = graph.shape(column);
                return graph.add(new Reshape(Arrays.copyOf(shape, shape.length - 1)), column);
            }
        }
        String x = a.isVariable() ? a.variable() : graph.add(new Constant(a.known().toHostTensor(), a.known().shape()));
        String y = b.isVariable() ? b.variable() : graph.add(new Constant(b.known().toHostTensor(), b.known().shape()));
        return graph.add(new MatMul(), x, y);
    }

    private String gemm(NodeAttributes attrs, List<Operand> in, String x) {
        if (attrs.integer("transA", 0) != 0) {
            throw new IllegalArgumentException("transA=1 is not supported: the batch axis must stay first");
        }
        if (graph.shape(x).length != 2) {
            throw new IllegalArgumentException("Gemm needs a [batch, features] input, shape is " + Arrays.toString(graph.shape(x)));
        }
        HostTensor b = floating(in.get(1), "Gemm operand B");
        if (b.rank() != 2) {
            throw new IllegalArgumentException("Gemm operand B must be a matrix, shape " + Arrays.toString(b.shape()));
        }
        HostTensor weight = (attrs.integer("transB", 0) != 0 ? b : b.transposed()).scaled(attrs.real("alpha", 1f));
        Operand c = input(in, 2);
        if (c == null) {
            return graph.add(new Dense(weight, null), x);
        }
        HostTensor bias = floating(c, "Gemm operand C").scaled(attrs.real("beta", 1f));
        long outputs = weight.dim(0);
        if (bias.size() == 1) {
            double[] v = new double[(int) outputs];
            Arrays.fill(v, bias.get(0));
            return graph.add(new Dense(weight, new HostTensor(new long[] {outputs}, v)), x);
        }
        if (bias.size() == outputs && bias.shape()[bias.rank() - 1] == outputs) {
            return graph.add(new Dense(weight, bias.reshaped(outputs)), x);
        }
        return graph.add(ElementwiseAffine.shift(bias), graph.add(new Dense(weight, null), x));
    }

    private String conv(NodeAttributes attrs, List<Operand> in, String x) {
        HostTensor weight = floating(in.get(1), "Conv weight");
        HostTensor bias = input(in, 2) == null ? null : floating(in.get(2), "Conv bias");
        long[] shape = graph.shape(x);
        int groups = (int) attrs.integer("group", 1);
        if (weight.rank() == 3 && shape.length == 3) {
            // 1-D: a 2-D convolution over [N, C, 1, L]
            long[] w = weight.shape();
            HostTensor weight2d = weight.reshaped(w[0], w[1], 1, w[2]);
            int[] kernel = {1, (int) w[2]};
            int[] strides = {1, attrs.ints("strides", new int[] {1})[0]};
            int[] dilations = {1, attrs.ints("dilations", new int[] {1})[0]};
            int[] pads1d = attrs.ints("pads", new int[2]);
            if (!attrs.string("auto_pad", "NOTSET").equals("NOTSET")) {
                throw new IllegalArgumentException("1-D convolution with auto_pad is not supported");
            }
            String image = graph.add(new Reshape(new long[] {shape[0], shape[1], 1, shape[2]}), x);
            String conv = graph.add(new Conv2d(weight2d, bias, strides, new int[] {0, pads1d[0], 0, pads1d[1]}, dilations, groups), image);
            long[] out = graph.shape(conv);
            return graph.add(new Reshape(new long[] {out[0], out[1], out[3]}), conv);
        }
        if (weight.rank() != 4 || shape.length != 4) {
            throw new IllegalArgumentException("only 1-D and 2-D convolutions are supported, weight shape "
                    + Arrays.toString(weight.shape()) + ", input " + Arrays.toString(shape));
        }
        int[] kernel = {(int) weight.dim(2), (int) weight.dim(3)};
        int[] strides = attrs.ints("strides", new int[] {1, 1});
        int[] dilations = attrs.ints("dilations", new int[] {1, 1});
        int[] pads = SlidingWindows.pads(attrs, spatial(x), kernel, strides, dilations);
        return graph.add(new Conv2d(weight, bias, strides, pads, dilations, groups), x);
    }

    /** Constants of one value per channel (axis 1), shaped to broadcast into a value of the given rank. */
    private static HostTensor perChannel(double[] values, int rank) {
        long[] shape = new long[rank - 1];
        Arrays.fill(shape, 1);
        shape[0] = values.length;
        return new HostTensor(shape, values);
    }

    private String batchNorm(NodeAttributes attrs, List<Operand> in, String x) {
        if (attrs.integer("training_mode", 0) != 0) {
            throw new IllegalArgumentException("training_mode=1 is not supported: only inference BatchNormalization");
        }
        float eps = attrs.real("epsilon", 1e-5f);
        HostTensor gamma = floating(in.get(1), "BatchNormalization scale");
        HostTensor beta = floating(in.get(2), "BatchNormalization bias");
        HostTensor mean = floating(in.get(3), "BatchNormalization mean");
        HostTensor var = floating(in.get(4), "BatchNormalization variance");
        long[] shape = graph.shape(x);
        int channels = gamma.size();
        if (shape.length < 2 || shape[1] != channels) {
            throw new IllegalArgumentException("BatchNormalization of " + channels + " channels applied to shape " + Arrays.toString(shape));
        }
        double[] scale = new double[channels];
        double[] shift = new double[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = gamma.get(c) / Math.sqrt((double) var.get(c) + eps);
            shift[c] = beta.get(c) - mean.get(c) * scale[c];
        }
        return graph.add(new ElementwiseAffine(perChannel(scale, shape.length), perChannel(shift, shape.length)), x);
    }

    private String instanceNorm(NodeAttributes attrs, List<Operand> in, String x) {
        long[] shape = graph.shape(x);
        String normalized = graph.add(new Normalize(spatialAxes(x), attrs.real("epsilon", 1e-5f)), x);
        HostTensor scale = floating(in.get(1), "InstanceNormalization scale");
        HostTensor bias = floating(in.get(2), "InstanceNormalization bias");
        return graph.add(new ElementwiseAffine(perChannel(scale.data(), shape.length), perChannel(bias.data(), shape.length)), normalized);
    }

    private String layerNorm(NodeAttributes attrs, List<Operand> in, String x) {
        long[] shape = graph.shape(x);
        int axis = Shapes.axis(attrs.integer("axis", -1), shape.length);
        int[] axes = IntStream.range(axis, shape.length).toArray();
        String normalized = graph.add(new Normalize(axes, attrs.real("epsilon", 1e-5f)), x);
        HostTensor scale = floating(in.get(1), "LayerNormalization scale");
        HostTensor bias = input(in, 2) == null ? null : floating(in.get(2), "LayerNormalization bias");
        return graph.add(new ElementwiseAffine(scale, bias), normalized);
    }

    private String reshape(NodeAttributes attrs, List<Operand> in, String x) {
        KnownTensor target = constant(in.get(1), "Reshape target");
        return graph.add(new Reshape(Reshaping.target(graph.shape(x), target, attrs.integer("allowzero", 0) != 0)), x);
    }

    private String transpose(NodeAttributes attrs, String x) {
        int rank = graph.shape(x).length;
        int[] perm = attrs.ints("perm", null);
        if (perm == null) {
            perm = IntStream.range(0, rank).map(i -> rank - 1 - i).toArray();
        }
        return graph.add(new Transpose(perm), x);
    }

    private String concat(NodeAttributes attrs, List<Operand> in) {
        String[] values = new String[in.size()];
        int rank = -1;
        for (int i = 0; i < values.length; i++) {
            Operand operand = in.get(i);
            if (operand.isVariable()) {
                values[i] = operand.variable();
                rank = graph.shape(values[i]).length;
            }
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                KnownTensor k = in.get(i).known();
                values[i] = graph.add(new Constant(k.toHostTensor(), k.shape()));
            }
        }
        return graph.add(new Concat(Shapes.axis(attrs.integer("axis", 0), rank)), values);
    }

    private String split(NodeAttributes attrs, List<Operand> in, String x, List<String> outputs) {
        long[] shape = graph.shape(x);
        int axis = Shapes.axis(attrs.integer("axis", 0), shape.length);
        long[] sizes = attrs.has("split") ? attrs.integers("split", null)
                : input(in, 1) != null ? constant(in.get(1), "Split sizes").longs() : null;
        int parts = outputs.size();
        if (sizes == null) {
            long each = (shape[axis] + parts - 1) / parts;
            sizes = new long[parts];
            for (int i = 0; i < parts; i++) {
                sizes[i] = Math.min(each, shape[axis] - each * i);
            }
        }
        String first = null;
        long start = 0;
        for (int i = 0; i < parts; i++) {
            long[] indices = java.util.stream.LongStream.range(start, start + sizes[i]).toArray();
            start += sizes[i];
            if (outputs.get(i).isEmpty()) {
                continue;
            }
            String part = graph.add(new Select(axis, indices), x);
            if (i == 0) {
                first = part;
            } else {
                graph.alias(outputs.get(i), part);
            }
        }
        return first == null ? x : first;
    }

    private String slice(NodeAttributes attrs, List<Operand> in, String x) {
        Slicing slicing = Slicing.of(attrs, known(in), graph.shape(x));
        String value = x;
        for (int axis : slicing.axes()) {
            long[] shape = graph.shape(value);
            long[] kept = slicing.indices(axis, shape[axis]);
            if (kept.length == shape[axis] && IntStream.range(0, kept.length).allMatch(i -> kept[i] == i)) {
                continue;
            }
            if (kept.length == 0) {
                throw new IllegalArgumentException("Slice keeps nothing of axis " + axis);
            }
            value = graph.add(new Select(axis, kept), value);
        }
        return value;
    }

    private String gather(NodeAttributes attrs, List<Operand> in, String x) {
        KnownTensor indices = constant(in.get(1), "Gather indices (on the model's values)");
        long[] shape = graph.shape(x);
        int axis = Shapes.axis(attrs.integer("axis", 0), shape.length);
        long[] flat = indices.longs();
        for (int i = 0; i < flat.length; i++) {
            flat[i] = flat[i] < 0 ? flat[i] + shape[axis] : flat[i];
        }
        String selected = graph.add(new Select(axis, flat), x);
        if (indices.rank() == 1) {
            return selected;
        }
        long[] out = new long[shape.length - 1 + indices.rank()];
        System.arraycopy(shape, 0, out, 0, axis);
        System.arraycopy(indices.shape(), 0, out, axis, indices.rank());
        System.arraycopy(shape, axis + 1, out, axis + indices.rank(), shape.length - axis - 1);
        return graph.add(new Reshape(out), selected);
    }

    private String expand(List<Operand> in) {
        long[] target = constant(in.get(1), "Expand shape").dims();
        if (in.get(0).isVariable()) {
            String x = in.get(0).variable();
            return graph.add(new Expand(target), x);
        }
        KnownTensor value = in.get(0).known();
        return graph.add(new Constant(value.toHostTensor(), Shapes.broadcast(value.shape(), target)));
    }

    /** ConstantOfShape to a shape that follows the batch: a constant of every sample. */
    private String constantOfShape(NodeAttributes attrs, List<Operand> in) {
        long[] shape = constant(in.get(0), "ConstantOfShape shape").dims();
        double value = attrs.has("value") ? attrs.tensor("value").values()[0] : 0;
        return graph.add(new Constant(HostTensor.scalar(value), shape));
    }

    private String maxPool(NodeAttributes attrs, String x, List<String> outputs) {
        if (outputs.size() > 1 && !outputs.get(1).isEmpty()) {
            throw new IllegalArgumentException("MaxPool's indices output is not supported");
        }
        return graph.add(SlidingWindows.maxPool(attrs, spatial(x)), x);
    }

    private String reduce(String op, NodeAttributes attrs, List<Operand> in, String x) {
        long[] shape = graph.shape(x);
        long[] given = axes(attrs, in);
        boolean keep = attrs.integer("keepdims", 1) != 0;
        if (given == null || given.length == 0) {
            if (attrs.integer("noop_with_empty_axes", 0) != 0) {
                return x;
            }
            given = IntStream.range(0, shape.length).mapToLong(i -> i).toArray();
        }
        int[] axes = Arrays.stream(given).mapToInt(a -> Shapes.axis(a, shape.length)).toArray();
        return op.equals("ReduceMax") ? graph.add(new ReduceMax(axes, keep), x)
                : graph.add(new Reduce(axes, keep, op.equals("ReduceMean")), x);
    }

    private String softmax(String op, NodeAttributes attrs, String x) {
        int rank = graph.shape(x).length;
        int axis = Shapes.axis(attrs.integer("axis", opset >= 13 ? -1 : 1), rank);
        if (opset < 13 && axis != rank - 1) {
            throw new IllegalArgumentException(op + " before opset 13 normalises over all axes from " + axis
                    + "; only the last axis is supported");
        }
        return graph.add(new Softmax(axis, op.equals("LogSoftmax")), x);
    }

    private String pad(NodeAttributes attrs, List<Operand> in, String x) {
        String mode = attrs.string("mode", "constant");
        if (!mode.equals("constant")) {
            throw new IllegalArgumentException("Pad mode '" + mode + "' is not supported, only constant");
        }
        long[] shape = graph.shape(x);
        int rank = shape.length;
        long[] pads = input(in, 1) != null ? constant(in.get(1), "Pad pads").longs() : attrs.integers("pads", null);
        if (pads == null) {
            throw new IllegalArgumentException("Pad needs pads");
        }
        double value = input(in, 2) != null ? constant(in.get(2), "Pad value").scalar() : attrs.real("value", 0f);
        int[] axes = input(in, 3) != null
                ? Arrays.stream(constant(in.get(3), "Pad axes").longs()).mapToInt(a -> Shapes.axis(a, rank)).toArray()
                : IntStream.range(0, pads.length / 2).toArray();
        long[] begin = new long[rank];
        long[] end = new long[rank];
        for (int i = 0; i < axes.length; i++) {
            begin[axes[i]] = pads[i];
            end[axes[i]] = pads[i + axes.length];
        }
        return graph.add(new ConstantPad(begin, end, value), x);
    }

    private long[] spatial(String x) {
        long[] shape = graph.shape(x);
        if (shape.length != 4) {
            throw new IllegalArgumentException("only 2-D pooling is supported: expects [N, C, H, W], got " + Arrays.toString(shape));
        }
        return new long[] {shape[2], shape[3]};
    }

    private int[] spatialAxes(String x) {
        int rank = graph.shape(x).length;
        if (rank < 3) {
            throw new IllegalArgumentException("expects [N, C, spatial...], got rank " + rank);
        }
        return IntStream.range(2, rank).toArray();
    }
}
