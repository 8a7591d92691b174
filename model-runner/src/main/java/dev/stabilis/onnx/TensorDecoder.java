package dev.stabilis.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataLocation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Decodes ONNX {@code TensorProto}s (typed fields or little-endian raw data) into {@link KnownTensor}s. */
final class TensorDecoder {

    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int UINT16 = 4;
    static final int INT16 = 5;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int DOUBLE = 11;
    static final int UINT32 = 12;
    static final int UINT64 = 13;

    private TensorDecoder() {}

    static KnownTensor decode(TensorProto t) {
        if (t.getDataLocation() == DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' keeps its data in an external file, which is not supported");
        }
        long[] shape = new long[t.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.getDims(i);
        }
        int n = Math.toIntExact(dev.stabilis.graph.Shapes.size(shape));
        double[] v = new double[n];
        boolean raw = !t.getRawData().isEmpty();
        ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.getDataType()) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? buf.getFloat() : t.getFloatData(i);
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? buf.getDouble() : t.getDoubleData(i);
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? buf.getLong() : t.getInt64Data(i);
                }
            }
            case UINT64 -> {
                for (int i = 0; i < n; i++) {
                    long bits = raw ? buf.getLong() : t.getUint64Data(i);
                    v[i] = bits >= 0 ? bits : (bits >>> 1) * 2.0 + (bits & 1); // unsigned
                }
            }
            case UINT32 -> {
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? Integer.toUnsignedLong(buf.getInt()) : t.getUint64Data(i);
                }
            }
            case INT32, INT16, UINT16, INT8, UINT8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? rawSmallInt(buf, t.getDataType()) : t.getInt32Data(i);
                }
            }
            default -> throw new IllegalArgumentException("tensor '" + t.getName() + "' has element type "
                    + typeName(t.getDataType()) + ", which is not supported");
        }
        return new KnownTensor(shape, v, t.getDataType() == FLOAT || t.getDataType() == DOUBLE);
    }

    private static double rawSmallInt(ByteBuffer buf, int type) {
        return switch (type) {
            case INT32 -> buf.getInt();
            case INT16 -> buf.getShort();
            case UINT16 -> buf.getShort() & 0xffff;
            case INT8 -> buf.get();
            default -> buf.get() & 0xff;
        };
    }

    /** The ONNX name of an element type number, for messages. */
    static String typeName(int type) {
        String[] names = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING",
            "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
        return type >= 0 && type < names.length ? names[type] : "type " + type;
    }
}
