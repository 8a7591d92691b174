package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.model.ModelRepository;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every bad input of the {@link BadInputs} catalogue, piped through the real ingest topology one after another
 * with a valid request after each: each bad record ends in the dead-letter topic, alone, with its reason, its
 * original bytes and headers (when within the limits) and a size Kafka accepts; each valid request still
 * becomes its sample, so the stream keeps flowing; and nothing is dropped (records in = samples + dead letters).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCatalogueTest {

    /** Kafka's default {@code max.request.size}: a larger dead letter could not be produced, failing the ingest. */
    private static final int KAFKA_DEFAULT_MAX_REQUEST = 1 << 20;

    private static final ModelCatalog CATALOG = new RepositoryModelCatalog(new ModelRepository(TestModels.root()));

    private final IngestConfig config = IngestConfig.from(Map.of(IngestConfig.JOIN_ENABLED, "false"));
    /** Every CloudEvent type is read, so that foreign ones are dead-lettered as UNKNOWN_EVENT_TYPE like any bad record. */
    private static final IngestFilters READ_ALL = IngestFilters.from(Map.of(IngestFilters.EVENT_TYPES, "*"));

    private final IngestDriver ingest = new IngestDriver(config, READ_ALL, CATALOG, IngestListener.NONE);
    private final IngestDriver joining = new IngestDriver(IngestConfig.defaults(), READ_ALL, CATALOG, IngestListener.NONE);
    private int recordsIn;
    private int samplesOut;
    private int deadLettersOut;

    @AfterAll
    void close() {
        ingest.close();
        joining.close();
    }

    /** A valid Open Inference Protocol request with its own id. */
    private static TestRecord<byte[], byte[]> valid(String id) {
        return BadInputs.plain("{\"id\": \"" + id + "\", \"model_name\": \"digits\", \"inputs\": [{\"name\": \"input\","
                + " \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": " + BadInputs.row() + "}]}");
    }

    private static int size(TestRecord<byte[], byte[]> record) {
        int size = (record.value() == null ? 0 : record.value().length) + (record.key() == null ? 0 : record.key().length);
        for (Header h : record.headers()) {
            size += h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    private static int headerBytes(TestRecord<byte[], byte[]> record) {
        return size(new TestRecord<>(null, null, record.headers(), record.getRecordTime()));
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputIsDeadLetteredWithItsReasonAndTheValidRequestAfterItStillFlows() {
        List<BadInputs.Case> cases = BadInputs.all();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            BadInputs.Case c = cases.get(i);
            String validId = "valid-" + i;
            tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
                TestRecord<byte[], byte[]> bad = c.record();
                ingest.request(bad);
                ingest.request(valid(validId));
                recordsIn += 2;

                List<TestRecord<byte[], byte[]>> letters = ingest.deadLetters();
                List<JsonNode> samples = ingest.sampleValues();
                deadLettersOut += letters.size();
                samplesOut += samples.size();

                assertThat(letters).as("dead letters").hasSize(1);
                TestRecord<byte[], byte[]> record = letters.get(0);
                JsonNode letter = IngestDriver.json(record.value());
                assertThat(letter.path("reason").asText()).as("reason; detail: %.300s", letter.path("detail").asText())
                        .isEqualTo(c.reason().name());
                assertThat(letter.path("detail").asText()).isNotBlank().hasSizeLessThanOrEqualTo(Rejection.MAX_DETAIL_CHARS + 1);
                assertThat(size(record)).as("dead-letter size").isLessThan(KAFKA_DEFAULT_MAX_REQUEST - 1024);
                if (bad.value() != null && bad.value().length <= config.maxPayloadBytes()) {
                    assertThat(Base64.getDecoder().decode(letter.path("originalBase64").asText())).isEqualTo(bad.value());
                } else {
                    assertThat(letter.path("originalBase64").isNull()).isTrue();
                }
                if (headerBytes(bad) <= config.maxHeaderBytes()) {
                    assertThat(record.headers().toArray()).isEqualTo(bad.headers().toArray());
                } else {
                    assertThat(record.headers().toArray()).isEmpty();
                    assertThat(letter.path("headers").size()).isZero();
                }

                assertThat(samples).as("the valid request after it").singleElement()
                        .satisfies(s -> assertThat(s.path("requestId").asText()).isEqualTo(validId));
            }));
        }
        tests.add(DynamicTest.dynamicTest("records in = samples out + dead letters out", () -> {
            assertThat(recordsIn).isEqualTo(2 * cases.size());
            assertThat(samplesOut + deadLettersOut).isEqualTo(recordsIn);
        }));
        return tests.stream();
    }

    /**
     * With the join on (the default), a bad response is dead-lettered at once, and a request and its response
     * that follow still join into a sample with the served class.
     */
    @TestFactory
    Stream<DynamicTest> underTheJoinBadResponsesAreDeadLetteredAndTheNextPairStillJoins() {
        List<BadInputs.Case> responses = BadInputs.all().stream().filter(c -> c.category().equals("responses")).toList();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < responses.size(); i++) {
            BadInputs.Case c = responses.get(i);
            String id = "pair-" + i;
            tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
                joining.request(c.record());
                joining.request(valid(id));
                joining.request(BadInputs.plain("{\"id\": \"" + id + "\", \"predictions\": [7]}"));

                assertThat(joining.deadLetterValues()).singleElement()
                        .satisfies(letter -> assertThat(letter.path("reason").asText()).isEqualTo(c.reason().name()));
                assertThat(joining.sampleValues()).singleElement().satisfies(s -> {
                    assertThat(s.path("requestId").asText()).isEqualTo(id);
                    assertThat(s.path("servedClass").asInt()).isEqualTo(7);
                });
            }));
        }
        return tests.stream();
    }

    @Test
    void theLargestDeadLetterABadRecordCanEarnStillFitsAKafkaRecord() {
        // a value at the payload limit, and a key and headers at the header limit, all of control characters:
        // base64 makes the value 4/3 as large, JSON escapes make the header text 6 times as large
        byte[] value = new byte[config.maxPayloadBytes()];
        java.util.Arrays.fill(value, (byte) 1);
        byte[] key = value.clone();
        key = java.util.Arrays.copyOf(key, config.maxHeaderBytes());
        byte[] header = java.util.Arrays.copyOf(value, config.maxHeaderBytes() - 1);
        TestRecord<byte[], byte[]> worst = new TestRecord<>(key, value, new RecordHeaders().add("x", header), BadInputs.T0);

        try (IngestDriver fresh = new IngestDriver(config, CATALOG)) {
            fresh.request(worst);

            TestRecord<byte[], byte[]> letter = fresh.deadLetters().get(0);
            JsonNode json = IngestDriver.json(letter.value());
            assertThat(json.path("reason").asText()).isEqualTo("MALFORMED_JSON");
            assertThat(letter.key()).isEqualTo(key);
            assertThat(json.path("headers").path("x").asText()).hasSize(header.length);
            assertThat(Base64.getDecoder().decode(json.path("originalBase64").asText())).isEqualTo(value);
            assertThat(size(letter)).isLessThan(KAFKA_DEFAULT_MAX_REQUEST - 1024);
        }
    }

    @Test
    void aKeyOverTheHeaderLimitIsLeftOutOfTheDeadLetter() {
        byte[] key = new byte[600 * 1024];
        byte[] value = BadInputs.utf8("{\"instances\": [" + BadInputs.zeros(200_000) + "]}");

        try (IngestDriver fresh = new IngestDriver(config, CATALOG)) {
            fresh.request(new TestRecord<>(key, value, BadInputs.plain(value).headers(), BadInputs.T0));

            TestRecord<byte[], byte[]> letter = fresh.deadLetters().get(0);
            assertThat(IngestDriver.json(letter.value()).path("reason").asText()).isEqualTo("SHAPE_MISMATCH");
            assertThat(letter.key()).isNull();
            assertThat(size(letter)).isLessThan(KAFKA_DEFAULT_MAX_REQUEST - 1024);
        }
    }

    @Test
    void theCatalogueCoversEveryCategoryInEveryFormItApplies() {
        List<BadInputs.Case> cases = BadInputs.all();

        assertThat(cases.stream().map(BadInputs.Case::category).distinct()).containsExactly("random bytes",
                "truncated JSON", "deep nesting", "huge arrays", "NaN and Infinity", "wrong datatypes", "bad shapes",
                "unknown models", "out of domain", "oversized headers", "invalid UTF-8", "CloudEvent attributes", "responses");
        assertThat(cases.stream().map(BadInputs.Case::reason).distinct())
                .as("every reason a single record on the requests topic can earn (MALFORMED_PROTOBUF is earned on Seldon's "
                        + "topics: IngestTopologyTest.SeldonCore2)")
                .containsExactlyInAnyOrder(Stream.of(RejectReason.values())
                        .filter(r -> r != RejectReason.UNMATCHED_RESPONSE && r != RejectReason.INTERNAL
                                && r != RejectReason.MODEL_UNAVAILABLE && r != RejectReason.MALFORMED_PROTOBUF)
                        .toArray(RejectReason[]::new));
        assertThat(cases).extracting(BadInputs.Case::toString).doesNotHaveDuplicates();
    }

    /** Odd records that are nonetheless valid: the catalogue's limits must not reject them. */
    @TestFactory
    Stream<DynamicTest> oddButValidRecordsStillBecomeSamples() {
        Map<String, TestRecord<byte[], byte[]>> odd = new java.util.LinkedHashMap<>();
        odd.put("a UTF-8 byte-order mark", BadInputs.plain(concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
                BadInputs.utf8("{\"instances\": [" + BadInputs.row() + "]}"))));
        odd.put("whitespace around the document", BadInputs.plain(" \r\n\t{\"instances\": [" + BadInputs.row() + "]}\n "));
        odd.put("-0.0 and the largest and smallest float32", BadInputs.v1("[-0.0, 3.4028235e38, 1.4e-45, -3.4028235e38, "
                + BadInputs.zeros(60) + "]"));
        odd.put("a decimal that underflows to zero", BadInputs.v1(BadInputs.row("1e-60")));
        odd.put("a 1,000-digit number literal (the limit)", BadInputs.v1(BadInputs.row("0." + "1".repeat(998))));
        odd.put("OIP shape [1, 8, 8] for 64 features", BadInputs.oip("[1, 8, 8]", "\"FP32\"", BadInputs.row()));
        odd.put("OIP INT64 holding whole numbers", BadInputs.oip("[1, 64]", "\"INT64\"",
                "[-9223372036854775808, " + BadInputs.zeros(62) + ", 9223372036854775807]"));
        odd.put("OIP UINT8 holding 0 and 255, one written 255.0", BadInputs.oip("[1, 64]", "\"UINT8\"",
                "[255.0, " + BadInputs.zeros(62) + ", 255]"));
        odd.put("OIP data nested 8 x 8 for shape [1, 8, 8]", BadInputs.oip("[1, 8, 8]", "\"FP32\"",
                "[" + String.join(",", java.util.Collections.nCopies(8, "[" + BadInputs.zeros(8) + "]")) + "]"));
        odd.put("64 levels of nesting, the limit, in an ignored field", BadInputs.plain("{\"x\": " + "[".repeat(63)
                + "]".repeat(63) + ", \"instances\": [" + BadInputs.row() + "]}"));
        odd.put("a 255-character id", BadInputs.plain("{\"id\": \"" + "i".repeat(255) + "\", \"instances\": [" + BadInputs.row() + "]}"));
        odd.put("an unread header that is not UTF-8", withHeader(BadInputs.v1(BadInputs.row()), "x-trace", new byte[] {(byte) 0xff}));
        odd.put("headers just under the limit", withHeader(BadInputs.v1(BadInputs.row()), "x-blob",
                new byte[config.maxHeaderBytes() - 64]));
        odd.put("escaped non-ASCII in the id", BadInputs.plain("{\"id\": \"caf\\u00e9-\u00e9\u6f22\ud83d\ude00\", \"instances\": ["
                + BadInputs.row() + "]}"));
        List<DynamicTest> tests = new ArrayList<>();
        odd.forEach((name, record) -> tests.add(DynamicTest.dynamicTest(name, () -> {
            ingest.request(record);

            assertThat(ingest.deadLetterValues()).as("dead letters").isEmpty();
            assertThat(ingest.sampleValues()).singleElement().satisfies(s -> assertThat(s.path("features")).hasSize(64));
        })));
        return tests.stream();
    }

    private static TestRecord<byte[], byte[]> withHeader(TestRecord<byte[], byte[]> record, String name, byte[] value) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(name, value);
        return new TestRecord<>(record.key(), record.value(), headers, record.getRecordTime());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
