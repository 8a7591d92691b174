package dev.stabilis.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.stabilis.graph.Layer;
import dev.stabilis.graph.LayerFolding;
import dev.stabilis.graph.LayerGraph;
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
 * Reads an ONNX model into a {@link LayerGraph}.
 *
 * <p>The model must have one floating-point input whose first axis is the batch, and its operators must form
 * a chain from that input to the single output: every operator on the way is a layer operator of
 * {@link #supportedOperators()} applied to the running tensor and load-time constants. Glue that only
 * computes constants (Constant, Shape, Gather, Unsqueeze, Squeeze, Concat, Cast) is evaluated at load time.
 * Consecutive affine layers are then folded (MatMul + Add into a dense layer, BatchNormalization into the
 * convolution before it).
 */
public final class OnnxImporter {

    private OnnxImporter() {}

    /** Operators that may appear on the path from input to output. */
    public static Set<String> supportedOperators() {
        Set<String> ops = new HashSet<>(LayerConverter.SUPPORTED);
        ops.add("Constant");
        ops.addAll(ConstantFolder.FOLDABLE);
        return Set.copyOf(ops);
    }

    /** Reads and converts an ONNX file. */
    public static LayerGraph read(Path file) {
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
    public static LayerGraph read(byte[] bytes, String source) {
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
    public static LayerGraph convert(ModelProto model, String source) {
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            String domain = opset.getDomain();
            if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
                throw new OnnxImportException(source + ": operator set domain '" + domain + "' is not supported");
            }
        }
        return new Conversion(model.getGraph(), source).run();
    }

    /** The state of one conversion: known constants and the running tensor. */
    private static final class Conversion {
        private final GraphProto graph;
        private final String source;
        private final Map<String, Constant> constants = new HashMap<>();
        private final List<Layer> layers = new ArrayList<>();
        private String inputName;
        private long[] inputShape;
        private String tail;
        private long[] tailShape;

        Conversion(GraphProto graph, String source) {
            this.graph = graph;
            this.source = source;
        }

        LayerGraph run() {
            for (TensorProto init : graph.getInitializerList()) {
                try {
                    constants.put(init.getName(), TensorDecoder.decode(init));
                } catch (IllegalArgumentException e) {
                    throw new OnnxImportException(source + ": initializer '" + init.getName() + "': " + e.getMessage(), e);
                }
            }
            findInput();
            for (NodeProto node : graph.getNodeList()) {
                try {
                    visit(node);
                } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
                    throw new OnnxImportException(describe(node) + ": " + e.getMessage(), e);
                }
            }
            if (graph.getOutputCount() != 1) {
                throw new OnnxImportException(source + ": the model must have exactly one output, it has " + graph.getOutputCount());
            }
            String output = graph.getOutput(0).getName();
            if (!output.equals(tail)) {
                throw new OnnxImportException(source + ": output '" + output + "' is not computed from input '"
                        + inputName + "' by a chain of supported operators");
            }
            return new LayerGraph(inputName, inputShape, LayerFolding.fold(layers));
        }

        private void findInput() {
            List<ValueInfoProto> inputs = new ArrayList<>();
            for (ValueInfoProto in : graph.getInputList()) {
                if (!constants.containsKey(in.getName())) {
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
            inputName = in.getName();
            inputShape = sample;
            tail = inputName;
            tailShape = sample;
        }

        private void visit(NodeProto node) {
            String op = node.getOpType();
            if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                throw new IllegalArgumentException("operator domain '" + node.getDomain() + "' is not supported");
            }
            NodeAttributes attrs = new NodeAttributes(node);
            if (op.equals("Constant")) {
                constants.put(node.getOutput(0), attrs.constantValue());
                return;
            }
            int dynamicIndex = -1;
            List<Constant> inputs = new ArrayList<>();
            for (int i = 0; i < node.getInputCount(); i++) {
                String name = node.getInput(i);
                if (name.isEmpty()) {
                    inputs.add(null);
                } else if (constants.containsKey(name)) {
                    inputs.add(constants.get(name));
                } else if (name.equals(tail)) {
                    if (dynamicIndex >= 0) {
                        throw new IllegalArgumentException("uses the model input twice; only one running tensor is supported");
                    }
                    dynamicIndex = i;
                    inputs.add(null);
                } else {
                    throw new IllegalArgumentException("input '" + name + "' is neither a constant nor the running tensor '"
                            + tail + "' (graphs that branch are not supported)");
                }
            }
            if (dynamicIndex < 0) {
                foldConstant(node, op, attrs, inputs);
            } else if (op.equals("Shape")) {
                double[] dims = new double[tailShape.length + 1];
                dims[0] = Constant.BATCH;
                for (int i = 0; i < tailShape.length; i++) {
                    dims[i + 1] = tailShape[i];
                }
                constants.put(node.getOutput(0), ConstantFolder.shapeOf(dims, attrs));
            } else {
                applyLayer(node, op, attrs, dynamicIndex, inputs);
            }
        }

        private void foldConstant(NodeProto node, String op, NodeAttributes attrs, List<Constant> inputs) {
            if (!ConstantFolder.FOLDABLE.contains(op)) {
                throw new IllegalArgumentException(LayerConverter.SUPPORTED.contains(op)
                        ? "operator " + op + " on constants only is not supported"
                        : "unsupported operator " + op);
            }
            constants.put(node.getOutput(0), ConstantFolder.fold(op, attrs, inputs));
        }

        private void applyLayer(NodeProto node, String op, NodeAttributes attrs, int dynamicIndex, List<Constant> inputs) {
            if (!LayerConverter.SUPPORTED.contains(op)) {
                throw new IllegalArgumentException("unsupported operator " + op);
            }
            for (int i = 1; i < node.getOutputCount(); i++) {
                if (!node.getOutput(i).isEmpty() && isUsed(node.getOutput(i))) {
                    throw new IllegalArgumentException("output " + i + " ('" + node.getOutput(i) + "') is used; only the first output is supported");
                }
            }
            for (Layer layer : LayerConverter.convert(op, attrs, dynamicIndex, inputs, tailShape)) {
                tailShape = layer.outputShape(tailShape);
                layers.add(layer);
            }
            tail = node.getOutput(0);
        }

        private boolean isUsed(String name) {
            for (NodeProto n : graph.getNodeList()) {
                if (n.getInputList().contains(name)) {
                    return true;
                }
            }
            return graph.getOutputList().stream().anyMatch(o -> o.getName().equals(name));
        }

        private String describe(NodeProto node) {
            String name = node.getName().isEmpty() ? "<unnamed, output " + node.getOutput(0) + ">" : node.getName();
            return source + ": node '" + name + "' (op " + node.getOpType() + ")";
        }
    }
}
