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
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.GlobalAveragePool;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Layer;
import dev.stabilis.graph.LayerGraph;
import dev.stabilis.graph.Reshape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a {@link LayerGraph} as an ONNX model (opset 13, IR version 7) that {@link OnnxImporter} reads back
 * to the same logits and that ONNX Runtime runs.
 *
 * <p>The model has one FLOAT input named as the graph's input, with a symbolic leading {@code batch} axis, and
 * one output {@code logits}. Parameters are FLOAT initializers. Each layer becomes standard operators:
 * <ul>
 *   <li>{@link Dense}: Gemm ({@code transB=1}) on {@code [batch, features]}, MatMul + Add on higher ranks;</li>
 *   <li>{@link Conv2d}: Conv; {@link AveragePool2d}: a depthwise Conv with a kernel of ones followed by Mul with
 *       the per-position divisor map (the layer's own definition, which also covers dilations that opset 13's
 *       AveragePool lacks);</li>
 *   <li>{@link ElementwiseAffine}: Mul by the scale, then Add of the shift, constants in their own shape so
 *       that numpy broadcasting matches the layer's;</li>
 *   <li>{@link Activation}: Relu, LeakyRelu, Sigmoid, Tanh, Softplus. Softplus with β is the layer sequence
 *       scale β, softplus, scale 1/β, so it is written as Mul, Softplus, Mul, which the importer reads back as
 *       the same sequence (PyTorch writes Mul, Softplus, Div);</li>
 *   <li>{@link GlobalAveragePool}, {@link ConstantPad} (Pad, constant mode) and {@link Reshape} (Reshape
 *       with target {@code [0, ...]}, copying the batch axis).</li>
 * </ul>
 * Parameters held in double precision are rounded to float, as the engine does when it runs in FLOAT32.
 */
public final class OnnxExporter {

    /** The operator set the model declares. */
    public static final int OPSET = 13;
    /** The ONNX IR version of opset 13. */
    static final int IR_VERSION = 7;
    /** The name of the model output. */
    public static final String OUTPUT = "logits";

    private OnnxExporter() {}

    /** The graph as an ONNX model whose input is named {@code graph.inputName()}. */
    public static ModelProto toModel(LayerGraph graph) {
        return new Export(graph).run();
    }

    /** Writes the graph to {@code file} with input {@code graph.inputName()}. */
    public static void write(LayerGraph graph, Path file) {
        try {
            Files.write(file, toModel(graph).toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write ONNX model: " + e.getMessage(), e);
        }
    }

    /** Writes the graph to {@code file} with the input renamed to {@code inputName}. */
    public static void write(LayerGraph graph, String inputName, Path file) {
        write(new LayerGraph(inputName, graph.inputShape(), graph.layers()), file);
    }

    /** The state of one export: the graph under construction and the name of the running tensor. */
    private static final class Export {
        private final LayerGraph source;
        private final List<long[]> shapes;
        private final GraphProto.Builder graph = GraphProto.newBuilder().setName("stabilis");
        private String tail;
        private int layer;
        private int nodes;

        Export(LayerGraph source) {
            this.source = source;
            this.shapes = source.shapes();
        }

        ModelProto run() {
            if (source.inputName().equals(OUTPUT)) {
                throw new IllegalArgumentException("the model input cannot be named '" + OUTPUT + "', the name of its output");
            }
            graph.addInput(value(source.inputName(), source.inputShape()));
            tail = source.inputName();
            List<Layer> layers = source.layers();
            if (layers.isEmpty()) {
                node("Identity", List.of(tail));
            }
            for (layer = 0; layer < layers.size(); layer++) {
                emit(layers.get(layer));
            }
            NodeProto.Builder last = graph.getNodeBuilder(graph.getNodeCount() - 1);
            last.setOutput(0, OUTPUT);
            graph.addOutput(value(OUTPUT, shapes.get(shapes.size() - 1)));
            return ModelProto.newBuilder()
                    .setIrVersion(IR_VERSION)
                    .setProducerName("stabilis")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .setGraph(graph)
                    .build();
        }

        private void emit(Layer layer) {
            if (layer instanceof Dense d) {
                dense(d);
            } else if (layer instanceof Conv2d c) {
                conv(c);
            } else if (layer instanceof AveragePool2d p) {
                averagePool(p);
            } else if (layer instanceof ElementwiseAffine a) {
                affine(a);
            } else if (layer instanceof Activation a) {
                activation(a);
            } else if (layer instanceof GlobalAveragePool) {
                node("GlobalAveragePool", List.of(tail));
            } else if (layer instanceof ConstantPad p) {
                pad(p);
            } else if (layer instanceof Reshape r) {
                node("Reshape", List.of(tail, longs("shape", prepend(0, r.shape()))));
            } else {
                throw new IllegalArgumentException("layer " + this.layer + " (" + layer + ") has no ONNX form");
            }
        }

        private void dense(Dense d) {
            if (shapes.get(layer).length == 1) {
                NodeProto.Builder gemm = node("Gemm", d.bias() == null
                        ? List.of(tail, floats("weight", d.weight()))
                        : List.of(tail, floats("weight", d.weight()), floats("bias", d.bias())));
                gemm.addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1));
                return;
            }
            node("MatMul", List.of(tail, floats("weight_t", d.weight().transposed())));
            if (d.bias() != null) {
                node("Add", List.of(tail, floats("bias", d.bias())));
            }
        }

        private void conv(Conv2d c) {
            List<String> inputs = c.bias() == null
                    ? List.of(tail, floats("weight", c.weight()))
                    : List.of(tail, floats("weight", c.weight()), floats("bias", c.bias()));
            windowAttributes(node("Conv", inputs), new long[] {c.weight().dim(2), c.weight().dim(3)}, c.strides(),
                    c.pads(), c.dilations(), c.groups());
        }

        private void averagePool(AveragePool2d p) {
            int[] k = p.kernel();
            double[] ones = new double[Math.toIntExact(p.channels() * k[0] * k[1])];
            Arrays.fill(ones, 1.0);
            HostTensor kernel = new HostTensor(new long[] {p.channels(), 1, k[0], k[1]}, ones);
            windowAttributes(node("Conv", List.of(tail, floats("window", kernel))), new long[] {k[0], k[1]},
                    p.strides(), p.pads(), p.dilations(), Math.toIntExact(p.channels()));
            node("Mul", List.of(tail, floats("inverse_count", p.inverseCount())));
        }

        private static void windowAttributes(NodeProto.Builder node, long[] kernel, int[] strides, int[] pads,
                int[] dilations, int groups) {
            node.addAttribute(ints("kernel_shape", kernel));
            node.addAttribute(ints("strides", toLongs(strides)));
            node.addAttribute(ints("pads", toLongs(pads)));
            node.addAttribute(ints("dilations", toLongs(dilations)));
            node.addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT).setI(groups));
        }

        private void affine(ElementwiseAffine a) {
            if (a.scale() != null) {
                node("Mul", List.of(tail, floats("scale", a.scale())));
            }
            if (a.shift() != null) {
                node("Add", List.of(tail, floats("shift", a.shift())));
            }
        }

        private void activation(Activation a) {
            switch (a.kind()) {
                case RELU -> node("Relu", List.of(tail));
                case LEAKY_RELU -> node("LeakyRelu", List.of(tail)).addAttribute(AttributeProto.newBuilder()
                        .setName("alpha").setType(AttributeProto.AttributeType.FLOAT).setF(a.alpha()));
                case SIGMOID -> node("Sigmoid", List.of(tail));
                case TANH -> node("Tanh", List.of(tail));
                case SOFTPLUS -> node("Softplus", List.of(tail));
            }
        }

        private void pad(ConstantPad p) {
            long[] begin = p.begin();
            long[] end = p.end();
            long[] pads = new long[2 * (begin.length + 1)];
            System.arraycopy(begin, 0, pads, 1, begin.length);
            System.arraycopy(end, 0, pads, begin.length + 2, end.length);
            String value = floats("value", new HostTensor(new long[0], new double[] {p.value()}));
            node("Pad", List.of(tail, longs("pads", pads), value));
        }

        /** Adds a node on the running tensor; its output becomes the running tensor. */
        private NodeProto.Builder node(String op, List<String> inputs) {
            String output = "/layers." + layer + "/" + op + "_" + nodes++;
            graph.addNode(NodeProto.newBuilder().setName(output).setOpType(op).addAllInput(inputs).addOutput(output + "_output"));
            tail = output + "_output";
            return graph.getNodeBuilder(graph.getNodeCount() - 1);
        }

        /** Adds a FLOAT initializer for this layer and returns its name. */
        private String floats(String role, HostTensor t) {
            ByteBuffer buf = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : t.data()) {
                buf.putFloat((float) v);
            }
            return initializer(role, TensorDecoder.FLOAT, t.shape(), buf);
        }

        /** Adds an INT64 initializer of rank 1 for this layer and returns its name. */
        private String longs(String role, long[] values) {
            ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : values) {
                buf.putLong(v);
            }
            return initializer(role, TensorDecoder.INT64, new long[] {values.length}, buf);
        }

        private String initializer(String role, int type, long[] shape, ByteBuffer data) {
            String name = "layers." + layer + "." + role + "_" + nodes;
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type)
                    .setRawData(ByteString.copyFrom(data.array()));
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

        private static long[] toLongs(int[] values) {
            return Arrays.stream(values).asLongStream().toArray();
        }

        private static long[] prepend(long first, long[] rest) {
            long[] out = new long[rest.length + 1];
            out[0] = first;
            System.arraycopy(rest, 0, out, 1, rest.length);
            return out;
        }
    }
}
