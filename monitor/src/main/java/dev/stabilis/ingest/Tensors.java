package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Numeric JSON (tensors, arrays of rows) flattened into 32-bit float rows, with the reject reason of each flaw. */
final class Tensors {

    private static final Set<String> NUMERIC_TYPES = Set.of("FP16", "FP32", "FP64", "BF16", "INT8", "INT16", "INT32",
            "INT64", "UINT8", "UINT16", "UINT32", "UINT64");

    private Tensors() {}

    /**
     * The rows of an Open Inference Protocol tensor {@code {"shape", "datatype", "data"}}: one per entry of its
     * leading (batch) axis, each flattened row-major; {@code data} may be nested or flat.
     *
     * @param what names the tensor in messages
     */
    static List<float[]> tensorRows(JsonNode tensor, String what) {
        String datatype = tensor.path("datatype").asText("");
        if (!NUMERIC_TYPES.contains(datatype)) {
            throw new PayloadException(RejectReason.UNSUPPORTED_DATATYPE, "datatype '" + datatype + "' is not a numeric tensor type");
        }
        JsonNode shapeNode = tensor.path("shape");
        if (!shapeNode.isArray() || shapeNode.size() < 1) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, what + " needs a shape with a leading batch axis");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new PayloadException(RejectReason.SHAPE_MISMATCH, "shape " + shapeNode + " has an invalid dimension " + d);
            }
            shape[i] = d.asLong();
        }
        List<Float> values = new ArrayList<>();
        flatten(tensor.path("data"), values, "data");
        long expected;
        try {
            expected = dev.stabilis.graph.Shapes.size(shape);
        } catch (ArithmeticException e) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "shape " + shapeNode + " holds more values than can be addressed");
        }
        if (values.size() != expected) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "shape " + shapeNode + " holds " + expected
                    + " values, data has " + values.size());
        }
        if (values.isEmpty()) {
            // A zero-sized tensor holds no samples; also keeps a huge batch axis (shape [2^31, 0]) from being allocated.
            throw new PayloadException(RejectReason.EMPTY, what + " of shape " + shapeNode + " holds no values");
        }
        int batch = (int) shape[0];
        int perSample = batch == 0 ? 0 : values.size() / batch;
        List<float[]> rows = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            float[] row = new float[perSample];
            for (int i = 0; i < perSample; i++) {
                row[i] = values.get(b * perSample + i);
            }
            rows.add(row);
        }
        return rows;
    }

    /** One flattened row per element of a JSON array. */
    static List<float[]> rows(JsonNode array, String field) {
        if (!array.isArray()) {
            throw new PayloadException(RejectReason.UNKNOWN_FORMAT, "'" + field + "' must be an array of samples");
        }
        List<float[]> rows = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            rows.add(row(array.get(i), field + "[" + i + "]"));
        }
        return rows;
    }

    /** A number or nested array of numbers, flattened row-major. */
    static float[] row(JsonNode node, String field) {
        List<Float> values = new ArrayList<>();
        flatten(node, values, field);
        float[] row = new float[values.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = values.get(i);
        }
        return row;
    }

    private static void flatten(JsonNode node, List<Float> out, String field) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(node.get(i), out, field);
            }
        } else if (node.isNumber()) {
            double v = node.asDouble();
            if (!Double.isFinite(v)) {
                throw new PayloadException(RejectReason.NON_FINITE, "'" + field + "' holds a non-finite value " + node.asText());
            }
            float f = (float) v;
            if (!Float.isFinite(f)) {
                throw new PayloadException(RejectReason.NON_FINITE, "'" + field + "' holds " + node.asText()
                        + ", which is non-finite as a 32-bit float");
            }
            out.add(f);
        } else {
            throw new PayloadException(node.isMissingNode() ? RejectReason.SHAPE_MISMATCH : RejectReason.UNSUPPORTED_DATATYPE,
                    "'" + field + "' must hold numbers, found " + (node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
    }
}
