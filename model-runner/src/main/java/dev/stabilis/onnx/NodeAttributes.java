package dev.stabilis.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Typed access to a node's attributes with ONNX defaults. */
final class NodeAttributes {

    private final Map<String, AttributeProto> byName = new HashMap<>();

    NodeAttributes(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            byName.put(a.getName(), a);
        }
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    long integer(String name, long fallback) {
        AttributeProto a = byName.get(name);
        return a == null ? fallback : a.getI();
    }

    float real(String name, float fallback) {
        AttributeProto a = byName.get(name);
        return a == null ? fallback : a.getF();
    }

    String string(String name, String fallback) {
        AttributeProto a = byName.get(name);
        return a == null ? fallback : a.getS().toString(StandardCharsets.UTF_8);
    }

    long[] integers(String name, long[] fallback) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return fallback;
        }
        long[] out = new long[a.getIntsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getInts(i);
        }
        return out;
    }

    int[] ints(String name, int[] fallback) {
        long[] values = integers(name, null);
        if (values == null) {
            return fallback;
        }
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(values[i]);
        }
        return out;
    }

    /** A tensor attribute. */
    KnownTensor tensor(String name) {
        return TensorDecoder.decode(byName.get(name).getT());
    }

    /** The value of a Constant node, whichever of its attribute forms it uses. */
    KnownTensor constantValue() {
        if (byName.containsKey("value")) {
            return TensorDecoder.decode(byName.get("value").getT());
        }
        if (byName.containsKey("value_float")) {
            return new KnownTensor(new long[0], new double[] {real("value_float", 0)}, true);
        }
        if (byName.containsKey("value_int")) {
            return KnownTensor.ofLongs(new long[0], integer("value_int", 0));
        }
        if (byName.containsKey("value_floats")) {
            AttributeProto a = byName.get("value_floats");
            double[] v = new double[a.getFloatsCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = a.getFloats(i);
            }
            return new KnownTensor(new long[] {v.length}, v, true);
        }
        if (byName.containsKey("value_ints")) {
            long[] v = integers("value_ints", new long[0]);
            return KnownTensor.ofLongs(new long[] {v.length}, v);
        }
        throw new IllegalArgumentException("Constant has no supported value attribute (value, value_float(s), value_int(s))");
    }
}
