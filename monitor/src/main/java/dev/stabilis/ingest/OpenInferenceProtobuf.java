package dev.stabilis.ingest;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.stabilis.ingest.oip.OpenInferenceV2.InferTensorContents;
import dev.stabilis.ingest.oip.OpenInferenceV2.ModelInferRequest;
import dev.stabilis.ingest.oip.OpenInferenceV2.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Reads the Open Inference Protocol V2 protobuf messages Seldon Core 2 writes to Kafka ({@code ModelInferRequest} on
 * {@code .inputs} topics, {@code ModelInferResponse} on {@code .outputs}), generated from
 * {@code src/main/proto/open_inference_v2.proto}. The first tensor counts, as in the JSON form: its values come from
 * its typed contents or from the message's first raw (little-endian) contents, and are split by its leading batch
 * axis. Memory follows the bytes: a shape is checked against the values present before rows are allocated.
 */
final class OpenInferenceProtobuf {

    private final int maxBytes;

    OpenInferenceProtobuf(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** A request; the model is the topic's, so the payload names none unless the message does. */
    InferencePayload request(byte[] bytes) {
        ModelInferRequest request;
        try {
            request = ModelInferRequest.parseFrom(checked(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new PayloadException(RejectReason.MALFORMED_PROTOBUF, "not an Open Inference Protocol ModelInferRequest: " + e.getMessage());
        }
        if (request.getInputsCount() != 1) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "expected exactly one input tensor, got " + request.getInputsCount());
        }
        ModelInferRequest.InferInputTensor input = request.getInputs(0);
        ByteString raw = request.getRawInputContentsCount() > 0 ? request.getRawInputContents(0) : null;
        List<float[]> rows = rows("input tensor", input.getDatatype(), input.getShapeList(), input.getContents(), raw);
        return new InferencePayload(InferencePayload.Format.OPEN_INFERENCE_V2_PROTOBUF, blankToNull(request.getId()),
                blankToNull(request.getModelName()), blankToNull(request.getModelVersion()), blankToNull(input.getName()), blankToNull(input.getDatatype()), rows);
    }

    /** A response's rows (the first output tensor). */
    List<float[]> response(byte[] bytes) {
        ModelInferResponse response;
        try {
            response = ModelInferResponse.parseFrom(checked(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new PayloadException(RejectReason.MALFORMED_PROTOBUF, "not an Open Inference Protocol ModelInferResponse: " + e.getMessage());
        }
        if (response.getOutputsCount() == 0) {
            throw new PayloadException(RejectReason.EMPTY, "the response holds no output tensor");
        }
        ModelInferResponse.InferOutputTensor output = response.getOutputs(0);
        ByteString raw = response.getRawOutputContentsCount() > 0 ? response.getRawOutputContents(0) : null;
        return rows("output tensor", output.getDatatype(), output.getShapeList(), output.getContents(), raw);
    }

    private byte[] checked(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new PayloadException(RejectReason.EMPTY, "the record has no value");
        }
        if (bytes.length > maxBytes) {
            throw new PayloadException(RejectReason.TOO_LARGE, "the value has " + bytes.length + " bytes, the limit is " + maxBytes);
        }
        return bytes;
    }

    private static List<float[]> rows(String what, String datatype, List<Long> shape, InferTensorContents contents, ByteString raw) {
        if (shape.isEmpty() || shape.stream().anyMatch(d -> d < 0)) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, what + " needs a shape of non-negative dimensions with a leading batch axis, got " + shape);
        }
        float[] values = raw != null ? raw(datatype, raw) : contents(datatype, contents);
        long expected = 1;
        for (long d : shape) {
            expected = d == 0 ? 0 : expected > values.length / d + 1 ? Long.MAX_VALUE : expected * d;
        }
        if (expected != values.length) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "shape " + shape + " does not hold the " + values.length + " values present");
        }
        if (values.length == 0) {
            throw new PayloadException(RejectReason.EMPTY, what + " of shape " + shape + " holds no values");
        }
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new PayloadException(RejectReason.NON_FINITE, what + " holds a value that is not finite");
            }
        }
        return Tensors.batchRows(values, (int) (long) shape.get(0));
    }

    private static float[] contents(String datatype, InferTensorContents c) {
        return switch (datatype) {
            case "FP32" -> {
                float[] out = new float[c.getFp32ContentsCount()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = c.getFp32Contents(i);
                }
                yield out;
            }
            case "FP64" -> toFloats(c.getFp64ContentsList().stream().mapToDouble(Double::doubleValue).toArray());
            case "INT8", "INT16", "INT32" -> toFloats(c.getIntContentsList().stream().mapToDouble(Integer::doubleValue).toArray());
            case "INT64" -> toFloats(c.getInt64ContentsList().stream().mapToDouble(Long::doubleValue).toArray());
            case "UINT8", "UINT16", "UINT32" -> toFloats(c.getUintContentsList().stream().mapToDouble(v -> Integer.toUnsignedLong(v)).toArray());
            default -> throw new PayloadException(RejectReason.UNSUPPORTED_DATATYPE, "datatype '" + datatype + "' is not a numeric tensor type Stabilis reads");
        };
    }

    private static float[] raw(String datatype, ByteString raw) {
        ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int width = switch (datatype) {
            case "FP32", "INT32" -> 4;
            case "FP64", "INT64" -> 8;
            default -> throw new PayloadException(RejectReason.UNSUPPORTED_DATATYPE, "raw contents of datatype '" + datatype
                    + "' are not read (FP32, FP64, INT32, INT64 are)");
        };
        if (raw.size() % width != 0) {
            throw new PayloadException(RejectReason.SHAPE_MISMATCH, "raw contents of " + raw.size() + " bytes are no whole number of "
                    + datatype + " values");
        }
        float[] out = new float[raw.size() / width];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (datatype) {
                case "FP32" -> buffer.getFloat();
                case "FP64" -> (float) buffer.getDouble();
                case "INT32" -> buffer.getInt();
                default -> buffer.getLong();
            };
        }
        return out;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
