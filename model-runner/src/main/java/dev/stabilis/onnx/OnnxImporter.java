package dev.stabilis.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.GraphFolding;
import dev.stabilis.graph.Shapes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX model into a dataflow {@link Graph}.
 *
 * <p>The model has one floating-point input whose first axis is the batch (the other axes fixed). Every node that
 * reads a value computed from the input is converted to graph nodes ({@link NodeConverter#SUPPORTED}); nodes whose
 * inputs are all known at load time (initializers, Constant nodes, the input's shape) are evaluated then
 * ({@link ConstantFolder}), including the shape arithmetic exporters emit, with the batch size kept symbolic. The
 * graph's outputs are the model's outputs that depend on the input. Afterwards affine maps are folded
 * ({@link GraphFolding}): MatMul + Add into one dense map, BatchNormalization into the convolution before it.
 */
public final class OnnxImporter {

    private OnnxImporter() {}

    /** Operators the importer accepts. */
    public static Set<String> supportedOperators() {
        Set<String> ops = new HashSet<>(NodeConverter.SUPPORTED);
        ops.add("Constant");
        ops.addAll(ConstantFolder.FOLDABLE);
        return Set.copyOf(ops);
    }

    /** Reads and converts an ONNX file. */
    public static Graph read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new OnnxImportException(file + ": cannot read model file: " + e.getMessage(), e);
        }
        return read(bytes, file.toString());
    }

    /**
     * Parses and converts ONNX bytes.
     *
     * @param source names the model in error messages
     */
    public static Graph read(byte[] bytes, String source) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException(source + ": not a valid ONNX model (protobuf parse failed: " + e.getMessage() + ")", e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new OnnxImportException(source + ": not a valid ONNX model (no graph nodes)");
        }
        return convert(model, source);
    }

    /** Converts a parsed model. */
    public static Graph convert(ModelProto model, String source) {
        int opset = 0;
        for (OperatorSetIdProto set : model.getOpsetImportList()) {
            String domain = set.getDomain();
            if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
                throw new OnnxImportException(source + ": operator set domain '" + domain + "' is not supported");
            }
            opset = (int) set.getVersion();
        }
        return new Conversion(model.getGraph(), source, opset).run();
    }

    /** A model's declared input. */
    public record Input(String name, long[] sampleShape) {}

    /**
     * The input an ONNX file declares (name and per-sample shape), read without converting the graph: what ingest
     * needs to validate requests.
     */
    public static Input input(Path file) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException(file + ": not a valid ONNX model (protobuf parse failed: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxImportException(file + ": cannot read model file: " + e.getMessage(), e);
        }
        ValueInfoProto in = Conversion.theInput(model.getGraph(), initializerNames(model.getGraph()), file.toString());
        return new Input(in.getName(), Conversion.sampleShape(in, file.toString()));
    }

    private static Set<String> initializerNames(GraphProto graph) {
        Set<String> names = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            names.add(t.getName());
        }
        return names;
    }

    /** The state of one conversion. */
    private static final class Conversion {
        private final GraphProto proto;
        private final String source;
        private final int opset;
        private final Map<String, KnownTensor> known = new HashMap<>();
        private GraphBuilder graph;
        private NodeConverter converter;

        Conversion(GraphProto proto, String source, int opset) {
            this.proto = proto;
            this.source = source;
            this.opset = opset;
        }

        Graph run() {
            for (TensorProto init : proto.getInitializerList()) {
                try {
                    known.put(init.getName(), TensorDecoder.decode(init));
                } catch (IllegalArgumentException e) {
                    throw new OnnxImportException(source + ": initializer '" + init.getName() + "': " + e.getMessage(), e);
                }
            }
            ValueInfoProto input = theInput(proto, known.keySet(), source);
            long[] sample = sampleShape(input, source);
            graph = new GraphBuilder(input.getName(), Shapes.withBatch(Shapes.BATCH, sample));
            converter = new NodeConverter(graph, opset);
            for (NodeProto node : proto.getNodeList()) {
                try {
                    visit(node);
                } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
                    throw new OnnxImportException(describe(node) + ": " + e.getMessage(), e);
                }
            }
            List<String> outputs = new ArrayList<>();
            for (ValueInfoProto out : proto.getOutputList()) {
                if (graph.isVariable(out.getName())) {
                    graph.nameOutput(out.getName(), input.getName());
                    outputs.add(graph.resolve(out.getName()));
                }
            }
            if (outputs.isEmpty()) {
                throw new OnnxImportException(source + ": no output of the model is computed from input '" + input.getName() + "'");
            }
            try {
                return GraphFolding.fold(new Graph(input.getName(), sample, graph.nodes(), outputs));
            } catch (IllegalArgumentException e) {
                throw new OnnxImportException(source + ": " + e.getMessage(), e);
            }
        }

        static ValueInfoProto theInput(GraphProto proto, Set<String> initializers, String source) {
            List<ValueInfoProto> inputs = new ArrayList<>();
            for (ValueInfoProto in : proto.getInputList()) {
                if (!initializers.contains(in.getName())) {
                    inputs.add(in);
                }
            }
            if (inputs.size() != 1) {
                throw new OnnxImportException(source + ": the model must have exactly one input that is not an initializer, it has "
                        + inputs.stream().map(ValueInfoProto::getName).toList());
            }
            ValueInfoProto in = inputs.get(0);
            if (!in.getType().hasTensorType()) {
                throw new OnnxImportException(source + ": input '" + in.getName() + "' is not a tensor");
            }
            int elemType = in.getType().getTensorType().getElemType();
            if (elemType != TensorDecoder.FLOAT) {
                throw new OnnxImportException(source + ": input '" + in.getName() + "' has element type "
                        + TensorDecoder.typeName(elemType) + ", only FLOAT is supported");
            }
            return in;
        }

        static long[] sampleShape(ValueInfoProto in, String source) {
            TensorShapeProto shape = in.getType().getTensorType().getShape();
            if (shape.getDimCount() < 1) {
                throw new OnnxImportException(source + ": input '" + in.getName() + "' needs a leading batch axis");
            }
            long[] sample = new long[shape.getDimCount() - 1];
            for (int i = 1; i < shape.getDimCount(); i++) {
                TensorShapeProto.Dimension d = shape.getDim(i);
                if (!d.hasDimValue()) {
                    throw new OnnxImportException(source + ": input '" + in.getName() + "' axis " + i
                            + " has no fixed size; only the batch axis may be symbolic");
                }
                sample[i - 1] = d.getDimValue();
            }
            return sample;
        }

        private void visit(NodeProto node) {
            String op = node.getOpType();
            if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                throw new IllegalArgumentException("operator domain '" + node.getDomain() + "' is not supported");
            }
            NodeAttributes attrs = new NodeAttributes(node);
            if (op.equals("Constant")) {
                known.put(node.getOutput(0), attrs.constantValue());
                return;
            }
            List<NodeConverter.Operand> operands = new ArrayList<>();
            boolean variable = false;
            for (String name : node.getInputList()) {
                if (name.isEmpty()) {
                    operands.add(new NodeConverter.Operand(null, null));
                } else if (known.containsKey(name)) {
                    operands.add(new NodeConverter.Operand(null, known.get(name)));
                } else if (graph.isVariable(name)) {
                    operands.add(new NodeConverter.Operand(name, null));
                    variable = true;
                } else {
                    throw new IllegalArgumentException("input '" + name + "' is neither a constant nor computed by an earlier node");
                }
            }
            if (!variable && followsTheBatch(op, operands)) {
                // a constant broadcast to a shape computed from the batch size: data of every sample, a graph value
                graph.begin(node.getName().isEmpty() ? node.getOutput(0) : node.getName(), node.getOutput(0));
                graph.finish(converter.convert(op, attrs, operands, node.getOutputList()));
                return;
            }
            if (!variable) {
                if (!ConstantFolder.FOLDABLE.contains(op)) {
                    throw new IllegalArgumentException(NodeConverter.SUPPORTED.contains(op)
                            ? "operator " + op + " on constants only is not supported"
                            : "unsupported operator " + op);
                }
                known.put(node.getOutput(0), ConstantFolder.fold(op, attrs, operands.stream().map(NodeConverter.Operand::known).toList()));
                return;
            }
            if (op.equals("Shape")) {
                known.put(node.getOutput(0), ConstantFolder.shapeOf(graph.shape(operands.get(0).variable()), attrs));
                return;
            }
            for (int i = 1; i < node.getOutputCount(); i++) {
                if (!node.getOutput(i).isEmpty() && isUsed(node.getOutput(i)) && !op.equals("Split")) {
                    throw new IllegalArgumentException("output " + i + " ('" + node.getOutput(i) + "') is used; only the first output is supported");
                }
            }
            graph.begin(node.getName().isEmpty() ? node.getOutput(0) : node.getName(), node.getOutput(0));
            graph.finish(converter.convert(op, attrs, operands, node.getOutputList()));
        }

        /** Expand or ConstantOfShape to a shape that depends on the batch size. */
        private static boolean followsTheBatch(String op, List<NodeConverter.Operand> operands) {
            int shape = op.equals("Expand") ? 1 : op.equals("ConstantOfShape") ? 0 : -1;
            return shape >= 0 && operands.size() > shape && operands.get(shape).known() != null
                    && operands.get(shape).known().dependsOnBatch();
        }

        private boolean isUsed(String name) {
            for (NodeProto n : proto.getNodeList()) {
                if (n.getInputList().contains(name)) {
                    return true;
                }
            }
            return proto.getOutputList().stream().anyMatch(o -> o.getName().equals(name));
        }

        private String describe(NodeProto node) {
            String name = node.getName().isEmpty() ? "<unnamed, output " + node.getOutput(0) + ">" : node.getName();
            return source + ": node '" + name + "' (op " + node.getOpType() + ")";
        }
    }
}
