package dev.stabilis.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** Builds small ONNX graphs in tests. */
final class TinyOnnx {

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("tiny");

    /** A FLOAT graph input with a symbolic batch axis and the given per-sample dims. */
    TinyOnnx input(String name, int elemType, long... sampleDims) {
        graph.addInput(value(name, elemType, true, sampleDims));
        return this;
    }

    TinyOnnx output(String name) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name).build());
        return this;
    }

    TinyOnnx initializer(String name, long[] dims, float... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorDecoder.FLOAT);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        graph.addInitializer(t);
        return this;
    }

    TinyOnnx node(String name, String op, String[] inputs, String... outputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (String out : outputs) {
            n.addOutput(out);
        }
        graph.addNode(n);
        return this;
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                .setGraph(graph).build();
    }

    static ValueInfoProto value(String name, int elemType, boolean symbolicBatch, long... sampleDims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(symbolicBatch ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                : TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        for (long d : sampleDims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    static String[] in(String... names) {
        return names;
    }
}
