package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.model.ModelRepository;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Properties of the ingest's parsers over generated input: whatever the bytes and headers, a record is either
 * a valid request or a rejection with a reason, never an unexpected failure ({@link RejectReason#INTERNAL},
 * which the classifier gives for any exception that is not a {@link PayloadException}: NPE, ClassCast,
 * StackOverflow, OutOfMemory); truncated or mutated valid payloads keep their shape or are rejected; valid
 * payloads round-trip exactly. The model is {@code digits} (64 features) from the test repository.
 */
class IngestParserPropertiesTest {

    private static final int FEATURES = 64;

    private static final ModelCatalog CATALOG = new RepositoryModelCatalog(new ModelRepository(TestModels.root()));

    private final IngestConfig config = IngestConfig.defaults();
    private final RecordClassifier classifier = new RecordClassifier(CATALOG, config.maxPayloadBytes(), config.maxHeaderBytes());
    private final PayloadParser parser = new PayloadParser(config.maxPayloadBytes());

    private IngestEvent classify(byte[] value, org.apache.kafka.common.header.Headers headers) {
        return classifier.classify(SourceRecord.of("inference-requests", 0, 0, 0, null, value, headers), 0);
    }

    private IngestEvent classify(byte[] value) {
        return classify(value, new RecordHeaders().add("model", "digits".getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertNoInternalFailure(IngestEvent event) {
        if (event instanceof Rejection rejection) {
            assertThat(rejection.reason()).as(rejection.detail()).isNotEqualTo(RejectReason.INTERNAL);
            assertThat(rejection.detail()).isNotBlank();
        }
    }

    // ---- arbitrary input ------------------------------------------------------------------------------------

    @Property(tries = 300)
    void arbitraryBytesAreRejectedWithAReason(@ForAll @Size(max = 3000) byte[] bytes) {
        assertNoInternalFailure(classify(bytes));
        try {
            parser.parse(bytes);
        } catch (PayloadException e) {
            assertThat(e.reason()).isNotNull();
        }
    }

    /** Random sequences of the JSON tokens the parsers look for: mostly malformed, often almost right. */
    @Provide
    Arbitrary<String> jsonLike() {
        Arbitrary<String> token = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"inputs\"", "\"instances\"",
                "\"features\"", "\"shape\"", "\"datatype\"", "\"data\"", "\"FP32\"", "\"INT8\"", "\"BYTES\"", "\"id\"",
                "\"model\"", "\"version\"", "\"predictions\"", "\"outputs\"", "0", "1", "64", "-1", "0.5", "1e39",
                "NaN", "-Infinity", "null", "true", "\"x\"", "9223372036854775808", "4294967296");
        return token.list().ofMaxSize(120).map(tokens -> String.join("", tokens));
    }

    @Property(tries = 500)
    void jsonLikeTokenSoupIsRejectedWithAReason(@ForAll("jsonLike") String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertNoInternalFailure(classify(bytes));
        assertNoInternalFailure(classify(("{\"inputs\": [{\"shape\": " + json).getBytes(StandardCharsets.UTF_8)));
    }

    @Property(tries = 200)
    void arbitraryHeadersOnAValidEventNeverFailUnexpectedly(@ForAll("payloads") Generated payload,
            @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 12) Integer> names,
            @ForAll @Size(max = 8) List<@Size(max = 40) byte[]> values) {
        List<String> known = List.of("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time",
                "ce_inferenceservicename", "content-type", "model", "model-version", "CE_ID", "ce_", "x-other", "");
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < Math.min(names.size(), values.size()); i++) {
            headers.add(known.get(names.get(i)), values.get(i));
        }
        assertNoInternalFailure(classify(payload.json(), headers));
    }

    // ---- generated valid payloads ---------------------------------------------------------------------------

    /** How a generated payload spells its numbers. */
    enum Spelling { FLOAT, DOUBLE, EXACT_DECIMAL }

    /** A valid payload for the 64-feature model, with the rows it must parse to. */
    record Generated(String form, Spelling spelling, float[][] rows, byte[] json) {
        @Override
        public String toString() {
            return form + "/" + spelling + " " + new String(json, StandardCharsets.UTF_8);
        }
    }

    @Provide
    Arbitrary<Generated> payloads() {
        Arbitrary<Float> value = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.floats()),
                Tuple.of(1, Arbitraries.floats().between(-1f, 1f)),
                Tuple.of(1, Arbitraries.of(-0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
                        Float.MAX_VALUE, -Float.MAX_VALUE)));
        Arbitrary<float[]> row = value.array(float[].class).ofSize(FEATURES);
        Arbitrary<float[][]> rows = row.array(float[][].class).ofMinSize(1).ofMaxSize(4);
        return Combinators.combine(Arbitraries.of("oip-flat", "oip-nested", "oip-8x8", "v1", "plain"),
                Arbitraries.of(Spelling.class), rows).as(IngestParserPropertiesTest::generate);
    }

    private static Generated generate(String form, Spelling spelling, float[][] rows) {
        String json = switch (form) {
            case "oip-flat" -> oip("[" + rows.length + ", 64]", flat(rows, spelling));
            case "oip-nested" -> oip("[" + rows.length + ", 64]", nested(rows, spelling));
            case "oip-8x8" -> oip("[" + rows.length + ", 8, 8]", flat(rows, spelling));
            case "v1" -> "{\"instances\": " + nested(rows, spelling) + "}";
            default -> "{\"model\": \"digits\", \"features\": "
                    + (rows.length == 1 ? numbers(rows[0], spelling) : nested(rows, spelling)) + "}";
        };
        return new Generated(form, spelling, rows, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String oip(String shape, String data) {
        return "{\"model_name\": \"digits\", \"id\": \"gen\", \"inputs\": [{\"name\": \"input\", \"shape\": " + shape
                + ", \"datatype\": \"FP32\", \"data\": " + data + "}]}";
    }

    private static String spell(float f, Spelling spelling) {
        return switch (spelling) {
            case FLOAT -> Float.toString(f);
            case DOUBLE -> Double.toString(f); // what Python's json writes for a float32 widened to float64
            case EXACT_DECIMAL -> f == 0 ? Float.toString(f) : new BigDecimal(f).toString();
        };
    }

    private static String numbers(float[] row, Spelling spelling) {
        return IntStream.range(0, row.length).mapToObj(i -> spell(row[i], spelling)).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String flat(float[][] rows, Spelling spelling) {
        return Arrays.stream(rows).map(r -> numbers(r, spelling)).map(s -> s.substring(1, s.length() - 1))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String nested(float[][] rows, Spelling spelling) {
        return Arrays.stream(rows).map(r -> numbers(r, spelling)).collect(Collectors.joining(", ", "[", "]"));
    }

    @Property(tries = 300)
    void validPayloadsRoundTripExactly(@ForAll("payloads") Generated payload) {
        IngestEvent event = classify(payload.json());

        assertThat(event).isInstanceOf(ValidRequest.class);
        List<float[]> rows = ((ValidRequest) event).rows();
        assertThat(rows).hasSize(payload.rows().length);
        for (int i = 0; i < rows.size(); i++) {
            // bit for bit: -0.0 stays negative, subnormals and the largest float survive
            assertThat(Arrays.equals(rows.get(i), payload.rows()[i])).as("row %d", i).isTrue();
        }
    }

    @Property(tries = 300)
    void truncatedPayloadsAreRejectedWithAReason(@ForAll("payloads") Generated payload,
            @ForAll @IntRange(min = 0, max = 9999) int per10k) {
        byte[] json = payload.json();
        byte[] prefix = Arrays.copyOf(json, (int) ((long) json.length * per10k / 10_000));

        IngestEvent event = classify(prefix);

        assertThat(event).isInstanceOf(Rejection.class);
        assertNoInternalFailure(event);
    }

    @Property(tries = 500)
    void aMutatedPayloadKeepsItsShapeOrIsRejectedWithAReason(@ForAll("payloads") Generated payload,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int position, @ForAll byte replacement,
            @ForAll("edits") String edit) {
        byte[] json = payload.json();
        int at = position % json.length;
        byte[] mutated = switch (edit) {
            case "replace" -> {
                byte[] copy = json.clone();
                copy[at] = replacement;
                yield copy;
            }
            case "delete" -> concat(Arrays.copyOf(json, at), Arrays.copyOfRange(json, at + 1, json.length));
            default -> concat(Arrays.copyOf(json, at), new byte[] {replacement}, Arrays.copyOfRange(json, at, json.length));
        };

        IngestEvent event = classify(mutated);

        assertNoInternalFailure(event);
        if (event instanceof ValidRequest request) {
            assertThat(request.rows()).hasSize(payload.rows().length).allSatisfy(r -> assertThat(r).hasSize(FEATURES));
        } else {
            assertThat(event).isInstanceOf(Rejection.class);
        }
    }

    @Provide
    Arbitrary<String> edits() {
        return Arbitraries.of("replace", "delete", "insert");
    }

    @Property(tries = 200)
    void anyDeclaredShapeIsCheckedBeforeAllocation(@ForAll @Size(min = 1, max = 6) List<Long> shape,
            @ForAll @Size(max = 200) List<@IntRange(min = -3, max = 3) Integer> data) {
        String json = "{\"model_name\": \"digits\", \"inputs\": [{\"name\": \"input\", \"shape\": " + shape
                + ", \"datatype\": \"FP32\", \"data\": " + data + "}]}";

        assertNoInternalFailure(classify(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Every prefix of each KServe fixture, at every byte offset: rejected, with a reason. */
    @Example
    void everyTruncationOfTheKServeFixturesIsRejected() {
        for (String fixture : List.of("binary-v1-request.json", "binary-v2-request.json", "structured-v1-request.json",
                "binary-v1-response.json", "binary-v2-response.json", "sklearn-iris-request.json")) {
            KafkaRecordFixture record = KafkaRecordFixture.load(fixture);
            byte[] value = record.value();
            for (int length = 0; length < value.length; length++) {
                byte[] prefix = Arrays.copyOf(value, length);
                IngestEvent event = classifier.classify(SourceRecord.of("inference-requests", 0, length, 0, null, prefix,
                        record.at(BadInputs.T0).headers()), 0);
                assertThat(event).as("%s cut at %d", fixture, length).isInstanceOf(Rejection.class);
                assertNoInternalFailure(event);
            }
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
