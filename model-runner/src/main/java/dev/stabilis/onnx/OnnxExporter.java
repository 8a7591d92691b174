package dev.stabilis.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Add;
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.Concat;
import dev.stabilis.graph.Constant;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Div;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.Expand;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.MatMul;
import dev.stabilis.graph.MaxPool2d;
import dev.stabilis.graph.Mul;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Normalize;
import dev.stabilis.graph.OpVisitor;
import dev.stabilis.graph.PRelu;
import dev.stabilis.graph.Reduce;
import dev.stabilis.graph.ReduceMax;
import dev.stabilis.graph.Reshape;
import dev.stabilis.graph.Select;
import dev.stabilis.graph.Shapes;
import dev.stabilis.graph.Softmax;
import dev.stabilis.graph.Transpose;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Graph} as an ONNX model (opset 17, IR version 8) that {@link OnnxImporter} reads back to the same
 * outputs and that ONNX Runtime runs. The model has one FLOAT input named as the graph's input, with a symbolic
 * leading {@code batch} axis; a single output is named {@code logits}. Constants are FLOAT initializers (float64
 * values rounded to float, as the engine does in FLOAT32). Shapes that follow the batch are computed in the model
 * from {@code Shape(input)}. Every operator kind has its ONNX form here (one method each); kinds without a standard
 * operator are written as the standard operators they are (average pooling as a depthwise Conv with ones and a
 * divisor map, GELU and SiLU from Erf and Sigmoid, HardSwish as {@code x · HardSigmoid(x)}).
 */
public final class OnnxExporter {

    /** The operator set the model declares. */
    public static final int OPSET = 17;
    /** The ONNX IR version of opset 17. */
    static final int IR_VERSION = 8;
    /** The name of a single model output. */
    public static final String OUTPUT = "logits";

    private OnnxExporter() {}

    /** The graph as an ONNX model whose input is named {@code graph.inputName()}. */
    public static ModelProto toModel(Graph graph) {
        return new Export(graph).run();
    }

    /** Writes the graph to {@code file}. */
    public static void write(Graph graph, Path file) {
        try {
            Files.write(file, toModel(graph).toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write ONNX model: " + e.getMessage(), e);
        }
    }

    /** The state of one export. */
    private static final class Export implements OpVisitor<String> {
        private final Graph source;
        private final GraphProto.Builder graph = GraphProto.newBuilder().setName("stabilis");
        private final Map<String, String> names = new HashMap<>();
        private Node node;
        private List<String> in;
        private int count;
        private String batchSize;

        Export(Graph source) {
            this.source = source;
        }

        ModelProto run() {
            if (source.inputName().equals(OUTPUT)) {
                throw new IllegalArgumentException("the model input cannot be named '" + OUTPUT + "', the name of its output");
            }
            graph.addInput(value(source.inputName(), source.inputSampleShape()));
            names.put(source.inputName(), source.inputName());
            for (Node n : source.nodes()) {
                node = n;
                in = n.inputs().stream().map(names::get).toList();
                names.put(n.output(), n.op().accept(this));
            }
            boolean single = source.outputs().size() == 1;
            for (String output : source.outputs()) {
                String name = single ? OUTPUT : output;
                graph.addNode(NodeProto.newBuilder().setName(name + "/identity").setOpType("Identity").addInput(names.get(output)).addOutput(name));
                graph.addOutput(value(name, Arrays.stream(Shapes.withoutBatch(source.shape(output))).map(d -> d < 0 ? 1 : d).toArray()));
            }
            return ModelProto.newBuilder()
                    .setIrVersion(IR_VERSION)
                    .setProducerName("stabilis")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .setGraph(graph)
                    .build();
        }

        /** Adds an ONNX node; returns it (its output is {@link #last}). */
        private NodeProto.Builder emit(String op, String... inputs) {
            String output = node.output() + "/" + op + "_" + count++;
            graph.addNode(NodeProto.newBuilder().setName(output).setOpType(op).addAllInput(Arrays.asList(inputs)).addOutput(output));
            return graph.getNodeBuilder(graph.getNodeCount() - 1);
        }

        private String emitted(String op, String... inputs) {
            return emit(op, inputs).getOutput(0);
        }

        private String x() {
            return in.get(0);
        }

        @Override
        public String dense(Dense op) {
            String y = emitted("MatMul", x(), floats("weight_t", op.weight().transposed()));
            return op.bias() == null ? y : emitted("Add", y, floats("bias", op.bias()));
        }

        @Override
        public String conv2d(Conv2d op) {
            String[] inputs = op.bias() == null
                    ? new String[] {x(), floats("weight", op.weight())}
                    : new String[] {x(), floats("weight", op.weight()), floats("bias", op.bias())};
            NodeProto.Builder conv = emit("Conv", inputs);
            windowAttributes(conv, new long[] {op.weight().dim(2), op.weight().dim(3)}, op.strides(), op.pads(), op.dilations());
            conv.addAttribute(integer("group", op.groups()));
            return conv.getOutput(0);
        }

        @Override
        public String elementwiseAffine(ElementwiseAffine op) {
            String y = op.scale() == null ? x() : emitted("Mul", x(), floats("scale", op.scale()));
            return op.shift() == null ? y : emitted("Add", y, floats("shift", op.shift()));
        }

        @Override
        public String averagePool2d(AveragePool2d op) {
            int[] k = op.kernel();
            double[] ones = new double[Math.toIntExact(op.channels() * k[0] * k[1])];
            Arrays.fill(ones, 1.0);
            NodeProto.Builder conv = emit("Conv", x(), floats("window", new HostTensor(new long[] {op.channels(), 1, k[0], k[1]}, ones)));
            windowAttributes(conv, new long[] {k[0], k[1]}, op.strides(), op.pads(), op.dilations());
            conv.addAttribute(integer("group", op.channels()));
            return emitted("Mul", conv.getOutput(0), floats("inverse_count", op.inverseCount()));
        }

        @Override
        public String constantPad(ConstantPad op) {
            long[] pads = new long[2 * op.begin().length];
            System.arraycopy(op.begin(), 0, pads, 0, op.begin().length);
            System.arraycopy(op.end(), 0, pads, op.begin().length, op.end().length);
            return emitted("Pad", x(), longs("pads", pads), floats("value", HostTensor.scalar(op.value())));
        }

        @Override
        public String reshape(Reshape op) {
            return emitted("Reshape", x(), shapeTensor(op.shape()));
        }

        @Override
        public String transpose(Transpose op) {
            return emit("Transpose", x()).addAttribute(ints("perm", Arrays.stream(op.perm()).asLongStream().toArray())).getOutput(0);
        }

        @Override
        public String select(Select op) {
            long[] idx = op.indices();
            if (op.contiguous()) {
                return emitted("Slice", x(), longs("starts", new long[] {idx[0]}), longs("ends", new long[] {idx[0] + idx.length}),
                        longs("axes", new long[] {op.axis()}));
            }
            return emit("Gather", x(), longs("indices", idx)).addAttribute(integer("axis", op.axis())).getOutput(0);
        }

        @Override
        public String concat(Concat op) {
            return emit("Concat", in.toArray(new String[0])).addAttribute(integer("axis", op.axis())).getOutput(0);
        }

        @Override
        public String expand(Expand op) {
            return emitted("Expand", x(), shapeTensor(op.shape()));
        }

        @Override
        public String constant(Constant op) {
            return emitted("Expand", floats("constant", op.value()), shapeTensor(op.shape()));
        }

        @Override
        public String reduce(Reduce op) {
            long[] axes = Arrays.stream(op.axes()).asLongStream().toArray();
            if (op.mean()) {
                return emit("ReduceMean", x()).addAttribute(ints("axes", axes)).addAttribute(integer("keepdims", op.keepDims() ? 1 : 0))
                        .getOutput(0);
            }
            return emit("ReduceSum", x(), longs("axes", axes)).addAttribute(integer("keepdims", op.keepDims() ? 1 : 0)).getOutput(0);
        }

        @Override
        public String reduceMax(ReduceMax op) {
            return emit("ReduceMax", x()).addAttribute(ints("axes", Arrays.stream(op.axes()).asLongStream().toArray()))
                    .addAttribute(integer("keepdims", op.keepDims() ? 1 : 0)).getOutput(0);
        }

        @Override
        public String maxPool2d(MaxPool2d op) {
            NodeProto.Builder pool = emit("MaxPool", x());
            windowAttributes(pool, new long[] {op.kernel()[0], op.kernel()[1]}, op.strides(), op.pads(), op.dilations());
            return pool.getOutput(0);
        }

        @Override
        public String add(Add op) {
            return emitted("Add", in.get(0), in.get(1));
        }

        @Override
        public String mul(Mul op) {
            return emitted("Mul", in.get(0), in.get(1));
        }

        @Override
        public String div(Div op) {
            return emitted("Div", in.get(0), in.get(1));
        }

        @Override
        public String matMul(MatMul op) {
            return emitted("MatMul", in.get(0), in.get(1));
        }

        @Override
        public String activation(Activation op) {
            String x = x();
            return switch (op.kind()) {
                case RELU -> emitted("Relu", x);
                case LEAKY_RELU -> emit("LeakyRelu", x).addAttribute(real("alpha", op.alpha())).getOutput(0);
                case ELU -> emit("Elu", x).addAttribute(real("alpha", op.alpha())).getOutput(0);
                case SELU -> emit("Selu", x).addAttribute(real("alpha", op.alpha())).addAttribute(real("gamma", op.beta())).getOutput(0);
                case SIGMOID -> emitted("Sigmoid", x);
                case TANH -> emitted("Tanh", x);
                case SOFTPLUS -> emitted("Softplus", x);
                case GELU -> {
                    String erf = emitted("Erf", emitted("Mul", x, floats("inv_sqrt2", HostTensor.scalar(Math.sqrt(0.5)))));
                    String half = emitted("Mul", emitted("Add", erf, floats("one", HostTensor.scalar(1))), floats("half", HostTensor.scalar(0.5)));
                    yield emitted("Mul", x, half);
                }
                case ERF -> emitted("Erf", x);
                case SILU -> emitted("Mul", x, emitted("Sigmoid", x));
                case HARD_SIGMOID -> emit("HardSigmoid", x).addAttribute(real("alpha", op.alpha())).addAttribute(real("beta", op.beta()))
                        .getOutput(0);
                case HARD_SWISH -> emitted("HardSwish", x);
                case CLIP -> emitted("Clip", x, floats("min", HostTensor.scalar(op.alpha())), floats("max", HostTensor.scalar(op.beta())));
                case EXP -> emitted("Exp", x);
                case LOG -> emitted("Log", x);
                case SQRT -> emitted("Sqrt", x);
                case POW -> emitted("Pow", x, floats("exponent", HostTensor.scalar(op.alpha())));
                case ABS -> emitted("Abs", x);
                case RECIPROCAL -> emitted("Reciprocal", x);
            };
        }

        @Override
        public String pRelu(PRelu op) {
            return emitted("PRelu", x(), floats("slope", op.slope()));
        }

        @Override
        public String softmax(Softmax op) {
            return emit(op.log() ? "LogSoftmax" : "Softmax", x()).addAttribute(integer("axis", op.axis())).getOutput(0);
        }

        @Override
        public String normalize(Normalize op) {
            int[] axes = op.axes();
            int rank = source.shape(node.inputs().get(0)).length;
            for (int i = 0; i < axes.length; i++) {
                if (axes[i] != rank - axes.length + i) {
                    throw new IllegalArgumentException("normalisation over axes " + Arrays.toString(axes)
                            + " is not trailing and has no LayerNormalization form");
                }
            }
            long[] normalised = Arrays.copyOfRange(source.shape(node.inputs().get(0)), axes[0], rank);
            double[] ones = new double[(int) Shapes.size(normalised)];
            Arrays.fill(ones, 1);
            return emit("LayerNormalization", x(), floats("ones", new HostTensor(normalised, ones)))
                    .addAttribute(integer("axis", axes[0])).addAttribute(real("epsilon", op.epsilon())).getOutput(0);
        }

        /**
         * A 1-D INT64 tensor of a symbolic shape: a constant when it does not follow the batch, else computed from the
         * input's batch size as {@code Concat(d or m·N, ...)}.
         */
        private String shapeTensor(long[] shape) {
            if (Arrays.stream(shape).noneMatch(Shapes::carriesBatch)) {
                return longs("shape", shape);
            }
            if (batchSize == null) {
                String s = emitted("Shape", source.inputName());
                batchSize = emitted("Slice", s, longs("start", new long[] {0}), longs("end", new long[] {1}));
            }
            List<String> parts = new ArrayList<>();
            for (long d : shape) {
                parts.add(Shapes.carriesBatch(d) ? emitted("Mul", batchSize, longs("multiple", new long[] {Shapes.multiple(d)})) : longs("dim", new long[] {d}));
            }
            return emit("Concat", parts.toArray(new String[0])).addAttribute(integer("axis", 0)).getOutput(0);
        }

        private static void windowAttributes(NodeProto.Builder node, long[] kernel, int[] strides, int[] pads, int[] dilations) {
            node.addAttribute(ints("kernel_shape", kernel));
            node.addAttribute(ints("strides", Arrays.stream(strides).asLongStream().toArray()));
            node.addAttribute(ints("pads", Arrays.stream(pads).asLongStream().toArray()));
            node.addAttribute(ints("dilations", Arrays.stream(dilations).asLongStream().toArray()));
        }

        /** Adds a FLOAT initializer and returns its name. */
        private String floats(String role, HostTensor t) {
            ByteBuffer buf = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : t.data()) {
                buf.putFloat((float) v);
            }
            return initializer(role, TensorDecoder.FLOAT, t.shape(), buf);
        }

        /** Adds an INT64 initializer of rank 1 and returns its name. */
        private String longs(String role, long[] values) {
            ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : values) {
                buf.putLong(v);
            }
            return initializer(role, TensorDecoder.INT64, new long[] {values.length}, buf);
        }

        private String initializer(String role, int type, long[] shape, ByteBuffer data) {
            String name = node.output() + "." + role + "_" + count++;
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(data.array()));
            for (long d : shape) {
                t.addDims(d);
            }
            graph.addInitializer(t);
            return name;
        }

        private static ValueInfoProto value(String name, long[] sampleShape) {
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
            for (long d : sampleShape) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                    .setElemType(TensorDecoder.FLOAT).setShape(shape)).build();
            return ValueInfoProto.newBuilder().setName(name).setType(type).build();
        }

        private static AttributeProto ints(String name, long[] values) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            return a.build();
        }

        private static AttributeProto integer(String name, long value) {
            return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
        }

        private static AttributeProto real(String name, double value) {
            return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) value).build();
        }
    }
}
