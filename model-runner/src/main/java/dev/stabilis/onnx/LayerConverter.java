package dev.stabilis.onnx;

import dev.stabilis.graph.Activation;
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.GlobalAveragePool;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Layer;
import dev.stabilis.graph.Reshape;
import dev.stabilis.graph.Shapes;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Turns one ONNX operator applied to the running (dynamic) tensor into layers. Operand 0 of the node is the
 * dynamic tensor unless stated; the other operands are load-time constants.
 */
final class LayerConverter {

    /** Operators that become layers (or pass the tensor through). */
    static final Set<String> SUPPORTED = Set.of("Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu",
            "Sigmoid", "Tanh", "Softplus", "Conv", "BatchNormalization", "Flatten", "Reshape", "AveragePool",
            "GlobalAveragePool", "Identity", "Dropout", "Pad");

    private LayerConverter() {}

    /**
     * Converts one node.
     *
     * @param op the operator
     * @param attrs its attributes
     * @param dynamicIndex which input is the running tensor
     * @param inputs constants for the other inputs (null at {@code dynamicIndex} and for omitted inputs)
     * @param shape per-sample shape of the running tensor
     * @return the layers, possibly none for pass-through operators
     */
    static List<Layer> convert(String op, NodeAttributes attrs, int dynamicIndex, List<Constant> inputs, long[] shape) {
        if (dynamicIndex != 0 && !Set.of("Add", "Sub", "Mul").contains(op)) {
            throw new IllegalArgumentException("the model input must be the first operand of " + op);
        }
        return switch (op) {
            case "Gemm" -> gemm(attrs, inputs, shape);
            case "MatMul" -> List.of(new Dense(matrix(inputs.get(1), "MatMul weight").transposed(), null));
            case "Add" -> List.of(ElementwiseAffine.shift(floatConstant(other(inputs, dynamicIndex), op)));
            case "Sub" -> sub(inputs, dynamicIndex);
            case "Mul" -> List.of(ElementwiseAffine.scale(floatConstant(other(inputs, dynamicIndex), op)));
            case "Div" -> List.of(ElementwiseAffine.scale(reciprocal(floatConstant(inputs.get(1), op))));
            case "Relu" -> List.of(Activation.of(Activation.Kind.RELU));
            case "LeakyRelu" -> List.of(new Activation(Activation.Kind.LEAKY_RELU, attrs.real("alpha", 0.01f)));
            case "Sigmoid" -> List.of(Activation.of(Activation.Kind.SIGMOID));
            case "Tanh" -> List.of(Activation.of(Activation.Kind.TANH));
            case "Softplus" -> List.of(Activation.of(Activation.Kind.SOFTPLUS));
            case "Conv" -> List.of(conv(attrs, inputs, shape));
            case "BatchNormalization" -> List.of(batchNorm(attrs, inputs, shape));
            case "Flatten" -> List.of(flatten(attrs, shape));
            case "Reshape" -> List.of(reshape(attrs, inputs, shape));
            case "AveragePool" -> List.of(averagePool(attrs, shape));
            case "GlobalAveragePool" -> List.of(new GlobalAveragePool());
            case "Identity" -> List.of();
            case "Dropout" -> dropout(inputs);
            case "Pad" -> List.of(pad(attrs, inputs, shape));
            default -> throw new IllegalStateException("not a layer operator: " + op);
        };
    }

    private static Constant other(List<Constant> inputs, int dynamicIndex) {
        return inputs.get(1 - dynamicIndex);
    }

    private static HostTensor floatConstant(Constant c, String op) {
        if (c == null) {
            throw new IllegalArgumentException(op + " needs a constant operand");
        }
        if (!c.floating()) {
            throw new IllegalArgumentException(op + " with a non-floating-point constant is not supported");
        }
        return c.toHostTensor();
    }

    private static HostTensor matrix(Constant c, String what) {
        if (c == null || c.rank() != 2) {
            throw new IllegalArgumentException(what + " must be a constant matrix"
                    + (c == null ? "" : ", got shape " + Arrays.toString(c.shape())));
        }
        return floatConstant(c, what);
    }

    private static List<Layer> sub(List<Constant> inputs, int dynamicIndex) {
        HostTensor c = floatConstant(other(inputs, dynamicIndex), "Sub");
        if (dynamicIndex == 0) {
            return List.of(ElementwiseAffine.shift(c.scaled(-1)));
        }
        return List.of(new ElementwiseAffine(HostTensor.scalar(-1), c));
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

    private static List<Layer> gemm(NodeAttributes attrs, List<Constant> inputs, long[] shape) {
        if (attrs.integer("transA", 0) != 0) {
            throw new IllegalArgumentException("transA=1 is not supported: the batch axis must stay first");
        }
        if (shape.length != 1) {
            throw new IllegalArgumentException("Gemm needs a [batch, features] input, per-sample shape is " + Arrays.toString(shape));
        }
        HostTensor b = matrix(inputs.get(1), "Gemm operand B");
        HostTensor weight = (attrs.integer("transB", 0) != 0 ? b : b.transposed()).scaled(attrs.real("alpha", 1f));
        Constant c = inputs.size() > 2 ? inputs.get(2) : null;
        if (c == null) {
            return List.of(new Dense(weight, null));
        }
        HostTensor bias = floatConstant(c, "Gemm operand C").scaled(attrs.real("beta", 1f));
        long outputs = weight.dim(0);
        if (bias.size() == 1) {
            double[] v = new double[(int) outputs];
            Arrays.fill(v, bias.get(0));
            return List.of(new Dense(weight, new HostTensor(new long[] {outputs}, v)));
        }
        if (bias.size() == outputs && bias.shape()[bias.rank() - 1] == outputs) {
            return List.of(new Dense(weight, bias.reshaped(outputs)));
        }
        return List.of(new Dense(weight, null), ElementwiseAffine.shift(bias));
    }

    private static Conv2d conv(NodeAttributes attrs, List<Constant> inputs, long[] shape) {
        Constant w = inputs.get(1);
        if (w == null || w.rank() != 4) {
            throw new IllegalArgumentException("only 2-D convolution with constant weights is supported"
                    + (w == null ? "" : ", weight shape is " + Arrays.toString(w.shape())));
        }
        if (shape.length != 3) {
            throw new IllegalArgumentException("Conv expects [C, H, W] per sample, got " + Arrays.toString(shape));
        }
        HostTensor weight = floatConstant(w, "Conv weight");
        HostTensor bias = inputs.size() > 2 && inputs.get(2) != null ? floatConstant(inputs.get(2), "Conv bias") : null;
        int[] kernel = {(int) weight.dim(2), (int) weight.dim(3)};
        int[] strides = attrs.ints("strides", new int[] {1, 1});
        int[] dilations = attrs.ints("dilations", new int[] {1, 1});
        int[] pads = windowPads(attrs, shape, kernel, strides, dilations);
        return new Conv2d(weight, bias, strides, pads, dilations, (int) attrs.integer("group", 1));
    }

    /** Explicit pads {@code [top, left, bottom, right]} from {@code pads} or {@code auto_pad}. */
    private static int[] windowPads(NodeAttributes attrs, long[] shape, int[] kernel, int[] strides, int[] dilations) {
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
                    long in = shape[axis + 1];
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

    private static ElementwiseAffine batchNorm(NodeAttributes attrs, List<Constant> inputs, long[] shape) {
        if (attrs.integer("training_mode", 0) != 0) {
            throw new IllegalArgumentException("training_mode=1 is not supported: only inference BatchNormalization");
        }
        float eps = attrs.real("epsilon", 1e-5f);
        HostTensor gamma = floatConstant(inputs.get(1), "BatchNormalization scale");
        HostTensor beta = floatConstant(inputs.get(2), "BatchNormalization bias");
        HostTensor mean = floatConstant(inputs.get(3), "BatchNormalization mean");
        HostTensor var = floatConstant(inputs.get(4), "BatchNormalization variance");
        int channels = gamma.size();
        if (shape.length == 0 || shape[0] != channels) {
            throw new IllegalArgumentException("BatchNormalization of " + channels + " channels applied to shape " + Arrays.toString(shape));
        }
        double[] scale = new double[channels];
        double[] shift = new double[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = gamma.get(c) / Math.sqrt((double) var.get(c) + eps);
            shift[c] = beta.get(c) - mean.get(c) * scale[c];
        }
        long[] perChannel = new long[shape.length];
        Arrays.fill(perChannel, 1);
        perChannel[0] = channels;
        return new ElementwiseAffine(new HostTensor(perChannel, scale), new HostTensor(perChannel, shift));
    }

    private static Reshape flatten(NodeAttributes attrs, long[] shape) {
        long axis = attrs.integer("axis", 1);
        int rank = shape.length + 1;
        if (axis < 0) {
            axis += rank;
        }
        if (axis != 1) {
            throw new IllegalArgumentException("Flatten with axis " + attrs.integer("axis", 1)
                    + " is not supported: only axis 1 keeps the batch axis");
        }
        return new Reshape(new long[] {Shapes.size(shape)});
    }

    private static Reshape reshape(NodeAttributes attrs, List<Constant> inputs, long[] shape) {
        Constant target = inputs.get(1);
        if (target == null) {
            throw new IllegalArgumentException("Reshape target must be known at load time");
        }
        boolean allowZero = attrs.integer("allowzero", 0) != 0;
        double[] t = target.values();
        long[] full = Shapes.withBatch(-1, shape);
        long[] out = new long[t.length];
        int infer = -1;
        boolean batchFirst = false;
        for (int i = 0; i < t.length; i++) {
            if (Double.isNaN(t[i]) || (t[i] == 0 && !allowZero && i == 0)) {
                if (i != 0) {
                    throw new IllegalArgumentException("Reshape moves the batch size to axis " + i);
                }
                batchFirst = true;
                out[i] = 1;
            } else if (t[i] == 0 && !allowZero) {
                if (i >= full.length) {
                    throw new IllegalArgumentException("Reshape copies axis " + i + " which the input does not have");
                }
                out[i] = full[i];
            } else if (t[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("Reshape target has more than one -1");
                }
                infer = i;
                out[i] = 1;
            } else {
                out[i] = (long) t[i];
            }
        }
        long sample = Shapes.size(shape);
        if (batchFirst) {
            long known = Shapes.size(out);
            if (infer >= 0) {
                out[infer] = known == 0 ? 0 : sample / known;
            }
            return new Reshape(Arrays.copyOfRange(out, 1, out.length));
        }
        if (infer == 0 && Shapes.size(out) == sample) {
            return new Reshape(Arrays.copyOfRange(out, 1, out.length));
        }
        throw new IllegalArgumentException("Reshape to " + Arrays.toString(target.longs(-1))
                + " does not keep the batch axis first");
    }

    private static AveragePool2d averagePool(NodeAttributes attrs, long[] shape) {
        int[] kernel = attrs.ints("kernel_shape", null);
        if (kernel == null || kernel.length != 2 || shape.length != 3) {
            throw new IllegalArgumentException("only 2-D average pooling is supported, kernel_shape "
                    + Arrays.toString(kernel) + " on per-sample shape " + Arrays.toString(shape));
        }
        int[] strides = attrs.ints("strides", new int[] {1, 1});
        int[] dilations = attrs.ints("dilations", new int[] {1, 1});
        int[] pads = windowPads(attrs, shape, kernel, strides, dilations);
        boolean ceil = attrs.integer("ceil_mode", 0) != 0;
        boolean countPads = attrs.integer("count_include_pad", 0) != 0;
        int[] withCeil = pads.clone();
        double[][] inverse = new double[2][];
        for (int axis = 0; axis < 2; axis++) {
            long in = shape[axis + 1];
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
            long lo = countPads ? -pads[axis] : 0;
            long hi = countPads ? in + pads[axis + 2] : in;
            inverse[axis] = new double[(int) out];
            for (int o = 0; o < out; o++) {
                int count = 0;
                for (int k = 0; k < kernel[axis]; k++) {
                    long pos = (long) o * strides[axis] - pads[axis] + (long) k * dilations[axis];
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
        return new AveragePool2d(shape[0], kernel, strides, withCeil, dilations, inverseCount);
    }

    private static List<Layer> dropout(List<Constant> inputs) {
        if (inputs.size() > 2 && inputs.get(2) != null && inputs.get(2).scalar() != 0) {
            throw new IllegalArgumentException("Dropout in training mode is not supported");
        }
        return List.of();
    }

    private static ConstantPad pad(NodeAttributes attrs, List<Constant> inputs, long[] shape) {
        String mode = attrs.string("mode", "constant");
        if (!mode.equals("constant")) {
            throw new IllegalArgumentException("Pad mode '" + mode + "' is not supported, only constant");
        }
        int rank = shape.length + 1;
        long[] pads = inputs.size() > 1 && inputs.get(1) != null ? inputs.get(1).longs(0) : attrs.integers("pads", null);
        if (pads == null) {
            throw new IllegalArgumentException("Pad needs pads");
        }
        float value = inputs.size() > 2 && inputs.get(2) != null ? (float) inputs.get(2).scalar() : attrs.real("value", 0f);
        int[] axes = new int[pads.length / 2];
        if (inputs.size() > 3 && inputs.get(3) != null) {
            long[] given = inputs.get(3).longs(0);
            for (int i = 0; i < axes.length; i++) {
                axes[i] = (int) (given[i] < 0 ? given[i] + rank : given[i]);
            }
        } else {
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        long[] begin = new long[shape.length];
        long[] end = new long[shape.length];
        for (int i = 0; i < axes.length; i++) {
            long b = pads[i];
            long e = pads[i + axes.length];
            if (axes[i] == 0) {
                if (b != 0 || e != 0) {
                    throw new IllegalArgumentException("Pad must not pad the batch axis");
                }
                continue;
            }
            begin[axes[i] - 1] = b;
            end[axes[i] - 1] = e;
        }
        return new ConstantPad(begin, end, value);
    }
}
