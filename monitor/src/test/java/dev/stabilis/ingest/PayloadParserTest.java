package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The payload parser as a specification: which payload forms are accepted and what they normalise to, and
 * which {@link RejectReason} each kind of bad payload is rejected with.
 */
class PayloadParserTest {

    private static final int LIMIT = 1 << 20;

    private final PayloadParser parser = new PayloadParser(LIMIT);

    private InferencePayload parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private PayloadException rejection(String json) {
        return rejection(parser, json);
    }

    private static PayloadException rejection(PayloadParser parser, String json) {
        PayloadException e = catchThrowableOfType(PayloadException.class,
                () -> parser.parse(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(e).as("a PayloadException for %s", abbreviate(json)).isNotNull();
        return e;
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    private static String numbers(int from, int count) {
        return IntStream.range(from, from + count).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    }

    private static float[] floats(int from, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = from + i;
        }
        return out;
    }

    @Nested
    class OpenInferenceProtocolV2 {

        @Test
        void parsesFlatDataIntoOneRowPerBatchEntry() {
            InferencePayload p = parse("""
                    {"id": "req-7", "model_name": "digits", "model_version": "1",
                     "inputs": [{"name": "input", "shape": [3, 4], "datatype": "FP32", "data": [%s]}]}
                    """.formatted(numbers(0, 12)));

            assertThat(p.format()).isEqualTo(InferencePayload.Format.OPEN_INFERENCE_V2);
            assertThat(p.id()).isEqualTo("req-7");
            assertThat(p.model()).isEqualTo("digits");
            assertThat(p.version()).isEqualTo("1");
            assertThat(p.inputName()).isEqualTo("input");
            assertThat(p.rows()).hasSize(3);
            assertThat(p.rows().get(0)).containsExactly(floats(0, 4));
            assertThat(p.rows().get(1)).containsExactly(floats(4, 4));
            assertThat(p.rows().get(2)).containsExactly(floats(8, 4));
        }

        @Test
        void nestedDataGivesTheSameRowsAsFlatData() {
            String flat = """
                    {"inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32", "data": [0.5, 1, 2, 3, 4, -5.25]}]}""";
            String nested = """
                    {"inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32", "data": [[0.5, 1, 2], [3, 4, -5.25]]}]}""";

            List<float[]> flatRows = parse(flat).rows();
            List<float[]> nestedRows = parse(nested).rows();

            assertThat(nestedRows).hasSize(2);
            assertThat(nestedRows.get(0)).containsExactly(flatRows.get(0));
            assertThat(nestedRows.get(1)).containsExactly(flatRows.get(1));
            assertThat(nestedRows.get(1)).containsExactly(3f, 4f, -5.25f);
        }

        @Test
        void flattensEachSampleOfAHigherRankTensorRowMajor() {
            InferencePayload p = parse("""
                    {"inputs": [{"name": "img", "shape": [2, 2, 2], "datatype": "FP64",
                                 "data": [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]}]}""");

            assertThat(p.rows()).hasSize(2);
            assertThat(p.rows().get(0)).containsExactly(0f, 1f, 2f, 3f);
            assertThat(p.rows().get(1)).containsExactly(4f, 5f, 6f, 7f);
        }

        @ParameterizedTest
        @ValueSource(strings = {"FP16", "FP32", "FP64", "BF16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16",
                "UINT32", "UINT64"})
        void acceptsEveryNumericDatatype(String datatype) {
            InferencePayload p = parse("""
                    {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "%s", "data": [1, 2]}]}""".formatted(datatype));

            assertThat(p.rows()).singleElement().satisfies(row -> assertThat(row).containsExactly(1f, 2f));
        }

        @Test
        void leavesAbsentIdModelAndVersionNull() {
            InferencePayload p = parse("""
                    {"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [1]}]}""");

            assertThat(p.id()).isNull();
            assertThat(p.model()).isNull();
            assertThat(p.version()).isNull();
        }

        @Test
        void rejectsTheSpecsBoolExampleAsUnsupportedDatatype() {
            // The Open Inference Protocol's own example of a tensor the model cannot take.
            PayloadException e = rejection("""
                    {"inputs": [{"name": "input0", "shape": [3], "datatype": "BOOL", "data": [true]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("BOOL");
        }

        @Test
        void rejectsBytesTensorsAsUnsupportedDatatype() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["hello"]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("BYTES");
        }

        @Test
        void rejectsAMissingDatatypeAsUnsupportedDatatype() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [1, 2], "data": [1, 2]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("datatype");
        }

        @Test
        void rejectsStringsInsideNumericDataAsUnsupportedDatatype() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, "2", 3]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("data").contains("string");
        }

        @Test
        void rejectsNullsInsideNumericDataAsUnsupportedDatatype() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1, null]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("null");
        }

        @Test
        void rejectsSevenValuesForAShapeOfTwoByFourAsShapeMismatch() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("[2,4]").contains("8").contains("7");
        }

        @Test
        void rejectsNegativeShapeDimensionsAsShapeMismatch() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [-1, 2], "datatype": "FP32", "data": [1, 2]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("-1");
        }

        @Test
        void rejectsFractionalShapeDimensionsAsShapeMismatch() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [1, 2.5], "datatype": "FP32", "data": [1, 2]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("2.5");
        }

        @Test
        void rejectsAShapeWithoutABatchAxisAsShapeMismatch() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [], "datatype": "FP32", "data": [1]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("shape");
        }

        @Test
        void rejectsAShapeWhoseElementCountOverflowsAsShapeMismatch() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [4294967296, 4294967296, 4294967296], "datatype": "FP32",
                                 "data": [1]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("4294967296");
        }

        @Test
        void rejectsAHugeBatchOfZeroSizedSamplesWithoutAllocatingIt() {
            // 2^31 samples of zero features each: no values, so no samples worth explaining.
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [2147483648, 0], "datatype": "FP32", "data": []}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.EMPTY);
        }

        @Test
        void rejectsAnEmptyBatchAsEmpty() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [0, 64], "datatype": "FP32", "data": []}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.EMPTY);
        }

        @Test
        void rejectsMissingDataAsShapeMismatch() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32"}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("data");
        }

        @Test
        void rejectsMoreThanOneInputTensorAsShapeMismatch() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "a", "shape": [1, 1], "datatype": "FP32", "data": [1]},
                                {"name": "b", "shape": [1, 1], "datatype": "FP32", "data": [2]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("one input tensor").contains("2");
        }

        @Test
        void rejectsNonFiniteTensorDataAsNonFinite() {
            PayloadException e = rejection("""
                    {"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, NaN, 3]}]}""");

            assertThat(e.reason()).isEqualTo(RejectReason.NON_FINITE);
            assertThat(e.getMessage()).contains("NaN");
        }
    }

    @Nested
    class KServeV1 {

        @Test
        void parsesEachInstanceIntoARow() {
            InferencePayload p = parse("""
                    {"instances": [[1, 2, 3], [4.5, 5, 6], [-7, 8, 9e-1]]}""");

            assertThat(p.format()).isEqualTo(InferencePayload.Format.KSERVE_V1);
            assertThat(p.rows()).hasSize(3);
            assertThat(p.rows().get(0)).containsExactly(1f, 2f, 3f);
            assertThat(p.rows().get(1)).containsExactly(4.5f, 5f, 6f);
            assertThat(p.rows().get(2)).containsExactly(-7f, 8f, 0.9f);
            assertThat(p.model()).isNull();
            assertThat(p.version()).isNull();
            assertThat(p.inputName()).isNull();
        }

        @Test
        void picksUpTheIdWhenPresent() {
            assertThat(parse("{\"id\": \"batch-1\", \"instances\": [[1]]}").id()).isEqualTo("batch-1");
            assertThat(parse("{\"instances\": [[1]]}").id()).isNull();
        }

        @Test
        void flattensNestedInstancesRowMajor() {
            InferencePayload p = parse("{\"instances\": [[[1, 2], [3, 4]]]}");

            assertThat(p.rows()).singleElement().satisfies(row -> assertThat(row).containsExactly(1f, 2f, 3f, 4f));
        }

        @Test
        void rejectsNoInstancesAsEmpty() {
            PayloadException e = rejection("{\"instances\": []}");

            assertThat(e.reason()).isEqualTo(RejectReason.EMPTY);
            assertThat(e.getMessage()).contains("no samples");
        }

        @Test
        void rejectsInstancesThatAreNotAnArrayAsUnknownFormat() {
            PayloadException e = rejection("{\"instances\": {\"x\": [1, 2]}}");

            assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_FORMAT);
            assertThat(e.getMessage()).contains("instances");
        }

        @Test
        void rejectsNamedInstanceObjectsAsUnsupportedDatatype() {
            PayloadException e = rejection("{\"instances\": [{\"x\": [1, 2]}]}");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("instances[0]").contains("object");
        }

        @Test
        void rejectsStringsInsideAnInstanceAsUnsupportedDatatype() {
            PayloadException e = rejection("{\"instances\": [[1, 2], [3, \"four\"]]}");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("instances[1]").contains("string");
        }
    }

    @Nested
    class Plain {

        @Test
        void parsesOneSampleWithModelVersionAndId() {
            InferencePayload p = parse("""
                    {"model": "digits", "version": "3", "id": "r-1", "features": [0, 0.25, 1]}""");

            assertThat(p.format()).isEqualTo(InferencePayload.Format.PLAIN);
            assertThat(p.model()).isEqualTo("digits");
            assertThat(p.version()).isEqualTo("3");
            assertThat(p.id()).isEqualTo("r-1");
            assertThat(p.inputName()).isNull();
            assertThat(p.rows()).singleElement().satisfies(row -> assertThat(row).containsExactly(0f, 0.25f, 1f));
        }

        @Test
        void parsesANumericVersionAsText() {
            assertThat(parse("{\"version\": 2, \"features\": [1]}").version()).isEqualTo("2");
        }

        @Test
        void parsesAnArrayOfArraysAsSeveralSamples() {
            InferencePayload p = parse("{\"features\": [[1, 2], [3, 4]]}");

            assertThat(p.rows()).hasSize(2);
            assertThat(p.rows().get(0)).containsExactly(1f, 2f);
            assertThat(p.rows().get(1)).containsExactly(3f, 4f);
        }

        @Test
        void rejectsBooleanFeaturesAsUnsupportedDatatype() {
            PayloadException e = rejection("{\"features\": [1, true]}");

            assertThat(e.reason()).isEqualTo(RejectReason.UNSUPPORTED_DATATYPE);
            assertThat(e.getMessage()).contains("features").contains("boolean");
        }
    }

    @Nested
    class NonFiniteValues {

        @Test
        void rejectsNaNSpelledAsPythonWritesIt() {
            PayloadException e = rejection("{\"features\": [0.5, NaN, 1]}");

            assertThat(e.reason()).isEqualTo(RejectReason.NON_FINITE);
            assertThat(e.getMessage()).contains("non-finite").contains("NaN");
        }

        @Test
        void rejectsInfinitySpelledAsPythonWritesIt() {
            PayloadException e = rejection("{\"instances\": [[0.5, Infinity]]}");

            assertThat(e.reason()).isEqualTo(RejectReason.NON_FINITE);
            assertThat(e.getMessage()).contains("non-finite").contains("Infinity");
        }

        @Test
        void rejectsNegativeInfinitySpelledAsPythonWritesIt() {
            PayloadException e = rejection("{\"instances\": [[-Infinity, 0.5]]}");

            assertThat(e.reason()).isEqualTo(RejectReason.NON_FINITE);
            assertThat(e.getMessage()).contains("non-finite").contains("-Infinity");
        }

        @Test
        void rejectsADecimalThatOverflowsADoubleAsNonFinite() {
            PayloadException e = rejection("{\"features\": [1e400]}");

            assertThat(e.reason()).isEqualTo(RejectReason.NON_FINITE);
        }

        @Test
        void rejectsAFiniteDoubleThatOverflowsFloat32AsNonFinite() {
            // 1e39 is a finite double but beyond Float.MAX_VALUE: it would reach the model as Infinity.
            PayloadException e = rejection("{\"features\": [1, 1e39]}");

            assertThat(e.reason()).isEqualTo(RejectReason.NON_FINITE);
            assertThat(e.getMessage()).contains("1.0E39");
        }

        @Test
        void acceptsTheLargestFloat32() {
            assertThat(parse("{\"features\": [3.4028235e38, -3.4028235e38]}").rows().get(0))
                    .containsExactly(Float.MAX_VALUE, -Float.MAX_VALUE);
        }
    }

    @Nested
    class NotAPayload {

        @Test
        void rejectsTruncatedJsonAsMalformed() {
            PayloadException e = rejection("{\"instances\": [[1, 2], [3,");

            assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED_JSON);
            assertThat(e.getMessage()).startsWith("not valid JSON").doesNotContain("\n");
        }

        @Test
        void rejectsDuplicateKeysAsMalformed() {
            PayloadException e = rejection("{\"instances\": [[1]], \"instances\": [[2]]}");

            assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED_JSON);
            assertThat(e.getMessage()).contains("instances");
        }

        @Test
        void rejectsNestingDeeperThan64AsMalformed() {
            String deep = "{\"instances\": " + "[".repeat(100) + "1" + "]".repeat(100) + "}";

            PayloadException e = rejection(deep);

            assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED_JSON);
            assertThat(e.getMessage()).contains("64");
        }

        @Test
        void acceptsNestingWithinTheLimit() {
            String deep = "{\"instances\": " + "[".repeat(60) + "1" + "]".repeat(60) + "}";

            assertThat(parse(deep).rows()).singleElement().satisfies(row -> assertThat(row).containsExactly(1f));
        }

        @Test
        void rejectsATopLevelArrayAsUnknownFormat() {
            PayloadException e = rejection("[1, 2]");

            assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_FORMAT);
            assertThat(e.getMessage()).contains("not a JSON object");
        }

        @Test
        void rejectsAnObjectOfNoKnownFormAsUnknownFormat() {
            PayloadException e = rejection("{\"foo\": 1}");

            assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_FORMAT);
            assertThat(e.getMessage()).contains("inputs").contains("instances").contains("features");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "   ", "null", "42", "\"text\""})
        void rejectsEmptyOrScalarDocumentsWithAPayloadException(String json) {
            PayloadException e = rejection(json);

            assertThat(e.reason()).isIn(RejectReason.UNKNOWN_FORMAT, RejectReason.EMPTY, RejectReason.MALFORMED_JSON);
        }
    }

    @Nested
    class SizeLimit {

        @Test
        void rejectsAPayloadOverTheLimitAsTooLarge() {
            PayloadParser small = new PayloadParser(64);
            String json = "{\"features\": [" + numbers(0, 40) + "]}";
            assertThat(json.length()).isGreaterThan(64);

            PayloadException e = rejection(small, json);

            assertThat(e.reason()).isEqualTo(RejectReason.TOO_LARGE);
            assertThat(e.getMessage()).contains(Integer.toString(json.length())).contains("64");
        }

        @Test
        void acceptsAPayloadExactlyAtTheLimit() {
            String json = "{\"features\": [1, 2, 3]}";
            PayloadParser exact = new PayloadParser(json.length());

            assertThat(exact.parse(json.getBytes(StandardCharsets.UTF_8)).rows()).hasSize(1);
        }
    }

    @Nested
    class RequireFeatures {

        @Test
        void passesRowsOfTheModelsWidth() {
            parse("{\"instances\": [[1, 2, 3], [4, 5, 6]]}").requireFeatures(3);
        }

        @Test
        void rejectsARowOfTheWrongWidthAsShapeMismatchNamingBothCounts() {
            InferencePayload p = parse("{\"instances\": [[1, 2, 3], [4, 5]]}");

            PayloadException e = catchThrowableOfType(PayloadException.class, () -> p.requireFeatures(3));

            assertThat(e).isNotNull();
            assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(e.getMessage()).contains("sample 1").contains("2 features").contains("expects 3");
        }
    }

    @Test
    void trailingContentAfterTheDocumentIsMalformed() {
        assertThat(rejection("{\"features\": [1]} garbage").reason()).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(rejection("{\"features\": [1]} {\"features\": [2]}").reason()).isEqualTo(RejectReason.MALFORMED_JSON);
    }

    @Test
    void anEmptyFeatureListIsEmpty() {
        assertThat(rejection("{\"features\": []}").reason()).isEqualTo(RejectReason.EMPTY);
    }
}
