package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Numeric JSON (tensors, arrays of rows) flattened into 32-bit float rows, with the reject reason of each flaw.
 * Memory follows the values the JSON actually holds, never a declared shape: a tensor's shape is checked
 * against its data before anything is allocated for it.
 */
final class Tensors {

    /** The numeric datatypes, with the value range of the integer ones (null for floating point). */
    private static final Map<String, BigInteger[]> NUMERIC_TYPES = Map.ofEntries(
            Map.entry("FP16", new BigInteger[0]), Map.entry("FP32", new BigInteger[0]), Map.entry("FP64", new BigInteger[0]),
            Map.entry("BF16", new BigInteger[0]),
            Map.entry("INT8", signed(8)), Map.entry("INT16", signed(16)), Map.entry("INT32", signed(32)),
            Map.entry("INT64", signed(64)), Map.entry("UINT8", unsigned(8)), Map.entry("UINT16", unsigned(16)),
            Map.entry("UINT32", unsigned(32)), Map.entry("UINT64", unsigned(64)));

    private Tensors() {}

    private static BigInteger[] signed(int bits) {
        return new BigInteger[] {BigInteger.ONE.shiftLeft(bits - 1).negate(), BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE)};
    }

    private static BigInteger[] unsigned(int bits) {
        return new BigInteger[] {BigInteger.ZERO, BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)};
    }

    /**
     * The rows of an Open Inference Protocol tensor {@code {"shape", "datatype", "data"}}: one per entry of its
     * leading (batch) axis, each flattened row-major. {@code data} is flat or regularly nested (servers
     * reshape it), never ragged; values of an integer datatype must be whole numbers in its range.
     *
     * @param what names the tensor in messages
     */
    static List<float[]> tensorRows(JsonNode tensor, String what) {
        String datatype = tensor.path("datatype").asText("");
        BigInteger[] range = NUMERIC_TYPES.get(datatype);
        if (range == null) {
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
        long expected;
        try {
            expected = dev.stabilis.graph.Shapes.size(shape);
        } catch (ArithmeticException e) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "shape " + shapeNode + " holds more values than can be addressed");
        }
        JsonNode data = tensor.path("data");
        requireLayout(data, expected, shapeNode);
        if (expected == 0) {
            // A zero-sized tensor holds no samples; also keeps a huge batch axis (shape [2^31, 0]) from being allocated.
            throw new PayloadException(RejectReason.EMPTY, what + " of shape " + shapeNode + " holds no values");
        }
        // expected now equals the number of values present, so it is bounded by the payload size
        float[] values = new float[(int) expected];
        fill(data, values, 0, "data", range.length == 0 ? null : range, datatype);
        int batch = (int) shape[0];
        int perSample = values.length / batch;
        List<float[]> rows = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            float[] row = new float[perSample];
            System.arraycopy(values, b * perSample, row, 0, perSample);
            rows.add(row);
        }
        return rows;
    }

    /**
     * Checks that data holds exactly the shape's number of values, without reading them: data must be an array,
     * flat or regularly nested (every array at one depth of the same size, all values at the same depth), so
     * ragged rows are not silently cut into other rows.
     */
    private static void requireLayout(JsonNode data, long expected, JsonNode shapeNode) {
        if (!data.isArray()) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "shape " + shapeNode + " needs 'data' as an array, found "
                    + (data.isMissingNode() ? "nothing" : data.getNodeType().toString().toLowerCase()));
        }
        List<Integer> dims = new ArrayList<>();
        for (JsonNode n = data; n.isArray(); n = n.get(0)) {
            dims.add(n.size());
            if (n.isEmpty()) {
                break;
            }
        }
        requireRegular(data, dims, 0);
        long count = dims.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
        if (count != expected) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "shape " + shapeNode + " holds " + expected
                    + " values, data has " + count);
        }
    }

    private static void requireRegular(JsonNode node, List<Integer> dims, int axis) {
        boolean fits = axis == dims.size() ? !node.isArray() : node.isArray() && node.size() == dims.get(axis);
        if (!fits) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "'data' is ragged: its nested arrays are of "
                    + "different sizes or depths (the first runs " + dims + ")");
        }
        if (node.isArray()) {
            for (JsonNode child : node) {
                requireRegular(child, dims, axis + 1);
            }
        }
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
        float[] row = new float[count(node)];
        fill(node, row, 0, field, null, null);
        return row;
    }

    /** The number of leaves of a JSON value (1 for a scalar). */
    private static int count(JsonNode node) {
        if (!node.isArray()) {
            return 1;
        }
        int n = 0;
        for (JsonNode child : node) {
            n += count(child);
        }
        return n;
    }

    /**
     * Writes the leaves of a JSON value row-major into {@code out} from {@code at}; returns the next position.
     *
     * @param range the integer range of the datatype, or null for floating point
     */
    private static int fill(JsonNode node, float[] out, int at, String field, BigInteger[] range, String datatype) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                at = fill(child, out, at, field, range, datatype);
            }
            return at;
        }
        out[at] = value(node, field, range, datatype);
        return at + 1;
    }

    private static float value(JsonNode node, String field, BigInteger[] range, String datatype) {
        if (!node.isNumber()) {
            throw new PayloadException(node.isMissingNode() ? RejectReason.SHAPE_MISMATCH : RejectReason.UNSUPPORTED_DATATYPE,
                    "'" + field + "' must hold numbers, found " + (node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        double v = node.asDouble();
        if (!Double.isFinite(v)) {
            throw new PayloadException(RejectReason.NON_FINITE, "'" + field + "' holds a non-finite value " + node.asText());
        }
        if (range != null) {
            requireInRange(node, range, datatype, field);
        }
        float f = (float) v;
        if (!Float.isFinite(f)) {
            throw new PayloadException(RejectReason.NON_FINITE, "'" + field + "' holds " + node.asText()
                    + ", which is non-finite as a 32-bit float");
        }
        return f;
    }

    private static void requireInRange(JsonNode node, BigInteger[] range, String datatype, String field) {
        BigDecimal value = node.decimalValue();
        boolean whole = value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
        if (!whole || value.compareTo(new BigDecimal(range[0])) < 0 || value.compareTo(new BigDecimal(range[1])) > 0) {
            throw new PayloadException(RejectReason.UNSUPPORTED_DATATYPE, "'" + field + "' holds " + node.asText()
                    + ", which is not a " + datatype + " value");
        }
    }
}
