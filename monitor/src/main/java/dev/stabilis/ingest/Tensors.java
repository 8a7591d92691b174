package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Numeric JSON (tensors, arrays of rows) flattened into 32-bit float rows, with the reject reason of each flaw.
 * Memory follows the values the JSON actually holds, never a declared shape: a tensor's shape is checked
 * against its data before anything is allocated for it.
 */
final class Tensors {

    private static final Set<String> FLOATING_TYPES = Set.of("FP16", "FP32", "FP64", "BF16");

    /** The integer datatypes and the range of values each holds. */
    private static final Map<String, Range> INTEGER_TYPES = Map.of("INT8", Range.signed(8), "INT16", Range.signed(16),
            "INT32", Range.signed(32), "INT64", Range.signed(64), "UINT8", Range.unsigned(8), "UINT16", Range.unsigned(16),
            "UINT32", Range.unsigned(32), "UINT64", Range.unsigned(64));

    /** The values of an integer datatype, inclusive. */
    private record Range(BigDecimal min, BigDecimal max) {
        static Range signed(int bits) {
            BigInteger half = BigInteger.ONE.shiftLeft(bits - 1);
            return new Range(new BigDecimal(half.negate()), new BigDecimal(half.subtract(BigInteger.ONE)));
        }

        static Range unsigned(int bits) {
            return new Range(BigDecimal.ZERO, new BigDecimal(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)));
        }

        boolean holds(BigDecimal value) {
            boolean whole = value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
            return whole && value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
        }
    }

    private Tensors() {}

    /** Whether an Open Inference Protocol datatype is an integer one ({@code INT64}, {@code UINT8}, ...). */
    static boolean isInteger(String datatype) {
        return INTEGER_TYPES.containsKey(datatype);
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
        Range range = INTEGER_TYPES.get(datatype);
        if (range == null && !FLOATING_TYPES.contains(datatype)) {
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
        fill(data, values, 0, "data", range, datatype);
        return batchRows(values, (int) shape[0]);
    }

    /** Splits a tensor's values, flattened row-major, into one row per entry of its batch axis. */
    static List<float[]> batchRows(float[] values, int batch) {
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
    private static int fill(JsonNode node, float[] out, int at, String field, Range range, String datatype) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                at = fill(child, out, at, field, range, datatype);
            }
            return at;
        }
        out[at] = value(node, field, range, datatype);
        return at + 1;
    }

    private static float value(JsonNode node, String field, Range range, String datatype) {
        if (!node.isNumber()) {
            throw new PayloadException(node.isMissingNode() ? RejectReason.SHAPE_MISMATCH : RejectReason.UNSUPPORTED_DATATYPE,
                    "'" + field + "' must hold numbers, found " + (node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        double v = node.asDouble();
        if (!Double.isFinite(v)) {
            throw new PayloadException(RejectReason.NON_FINITE, "'" + field + "' holds a non-finite value " + node.asText());
        }
        if (range != null && !range.holds(node.decimalValue())) {
            throw new PayloadException(RejectReason.UNSUPPORTED_DATATYPE, "'" + field + "' holds " + node.asText()
                    + ", which is not a " + datatype + " value");
        }
        float f = (float) v;
        if (!Float.isFinite(f)) {
            throw new PayloadException(RejectReason.NON_FINITE, "'" + field + "' holds " + node.asText()
                    + ", which is non-finite as a 32-bit float");
        }
        return f;
    }
}
