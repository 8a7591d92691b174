package dev.stabilis.ingest;

import static dev.stabilis.ingest.KafkaRecordFixture.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ingest topology as a specification: which records become samples and what a sample holds, how requests
 * meet their responses, and which reason every kind of bad record is dead-lettered with. Fixtures under
 * {@code kserve/} are records as KServe's payload logger writes them through a Knative KafkaSink; the model
 * repository is {@code src/test/resources/models} (digits versions 1 and 2, 64 features each).
 */
class IngestTopologyTest {

    private static final ModelCatalog CATALOG = new RepositoryModelCatalog(new ModelRepository(TestModels.root()));

    private static final IngestConfig JOINING = IngestConfig.defaults();
    private static final IngestConfig NOT_JOINING = IngestConfig.from(Map.of(IngestConfig.JOIN_ENABLED, "false"));

    /** Just after the V1 fixture's {@code ce_time}, as a KafkaSink would timestamp it. */
    private static final Instant T0 = Instant.parse("2023-01-30T10:45:00.005Z");

    /** The V1 fixture's {@code ce_time}: when the server logged the exchange. */
    private static final Instant V1_LOGGED = Instant.parse("2023-01-30T10:45:00.000Z");

    private static final long RECEIVED_AT = IngestDriver.WALL_CLOCK.toEpochMilli();

    private static long millis(String time) {
        return Instant.parse(time).toEpochMilli();
    }

    /** 64 pixel values in [0, 1]. */
    private static String row(int seed) {
        return rowStartingWith(Double.toString(seed % 17 / 16.0), seed);
    }

    /** 64 values: the first as given, the others pixel values in [0, 1]. */
    private static String rowStartingWith(String first, int seed) {
        return IntStream.range(1, 64).mapToObj(i -> Double.toString(((i * 7 + seed) % 17) / 16.0))
                .collect(Collectors.joining(", ", "[" + first + ", ", "]"));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The expected JSON of a sample, normalised as a consumer would read it. */
    private static JsonNode sample(String requestId, int index, String version, String format, JsonNode features,
            Integer servedClass, JsonNode servedOutput, long eventTime) {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("requestId", requestId);
        sample.put("index", index);
        sample.put("model", "digits");
        sample.put("version", version);
        sample.put("format", format);
        sample.put("features", features);
        sample.put("servedClass", servedClass);
        sample.put("servedOutput", servedOutput);
        sample.put("receivedAt", RECEIVED_AT);
        sample.put("eventTime", eventTime);
        sample.put("endpoint", null);
        sample.put("namespace", null);
        return JSON.valueToTree(sample).deepCopy();
    }

    /** A sample from a KServe CloudEvent fixture: its ce_namespace is carried into the sample. */
    private static JsonNode inNamespace(String namespace, JsonNode sample) {
        return ((com.fasterxml.jackson.databind.node.ObjectNode) sample.deepCopy()).put("namespace", namespace);
    }

    private static List<String> requestIds(List<JsonNode> samples) {
        return samples.stream().map(s -> s.get("requestId").asText()).toList();
    }

    @Nested
    class AcceptedFormats {

        private final IngestDriver ingest = new IngestDriver(NOT_JOINING, CATALOG);

        @AfterEach
        void close() {
            ingest.close();
        }

        @Test
        void kserveBinaryEventWithAV1BodyGivesOneSamplePerInstanceKeyedByModel() {
            KafkaRecordFixture request = KafkaRecordFixture.load("binary-v1-request.json");

            ingest.request(request.at(T0));

            List<TestRecord<String, JsonNode>> samples = ingest.samples();
            assertThat(samples).extracting(TestRecord::key).containsExactly("digits", "digits");
            JsonNode instances = request.body().get("instances");
            String id = "e58f1edd-43bc-42f6-a10a-d1adb5cab831";
            long eventTime = millis("2023-01-30T10:45:00.000Z");
            assertThat(samples.get(0).value()).isEqualTo(inNamespace("default", sample(id, 0, "2", "KSERVE_V1", instances.get(0), null, null, eventTime)));
            assertThat(samples.get(1).value()).isEqualTo(inNamespace("default", sample(id, 1, "2", "KSERVE_V1", instances.get(1), null, null, eventTime)));
            assertThat(samples.get(0).headers().toArray()).as("samples carry no headers").isEmpty();
            assertThat(ingest.deadLetters()).isEmpty();
        }

        @Test
        void kserveBinaryEventWithAnOpenInferenceBodyTakesItsIdFromTheEventNotTheBody() {
            KafkaRecordFixture request = KafkaRecordFixture.load("binary-v2-request.json");

            ingest.request(request.at(T0));

            JsonNode features = request.body().get("inputs").get(0).get("data");
            assertThat(ingest.sampleValues()).containsExactly(inNamespace("default", sample("0009174a-24a8-4603-b098-09c8799950e9", 0, "2",
                    "OPEN_INFERENCE_V2", features, null, null, millis("2023-01-30T10:46:10.000Z"))));
        }

        @Test
        void structuredModeEventCarriesTheWholeEventInTheValue() {
            KafkaRecordFixture request = KafkaRecordFixture.load("structured-v1-request.json");

            ingest.request(request.at(T0));

            JsonNode features = request.body().get("data").get("instances").get(0);
            assertThat(ingest.sampleValues()).containsExactly(inNamespace("default", sample("5c0b8ac1-7c1e-4c7c-9f6b-2f8a2f2f9a41", 0, "2",
                    "KSERVE_V1", features, null, null, millis("2023-01-30T10:47:00.000Z"))));
        }

        @Test
        void structuredModeEventMayCarryItsDataInBase64() {
            KafkaRecordFixture structured = KafkaRecordFixture.load("structured-v1-request.json");
            ObjectNode event = (ObjectNode) structured.body();
            JsonNode data = event.remove("data");
            event.put("data_base64", Base64.getEncoder().encodeToString(data.toString().getBytes(StandardCharsets.UTF_8)));

            ingest.request(structured.withValue(event.toString().getBytes(StandardCharsets.UTF_8)).at(T0));

            assertThat(ingest.sampleValues()).singleElement()
                    .satisfies(s -> assertThat(s.get("features")).isEqualTo(data.get("instances").get(0)));
        }

        @Test
        void detectsTheBodyFromItsBytesWhateverTheContentTypeSays() {
            KafkaRecordFixture request = KafkaRecordFixture.load("binary-v1-request.json")
                    .withHeader("content-type", "application/x-www-form-urlencoded");

            ingest.request(request.at(T0));

            assertThat(ingest.sampleValues()).hasSize(2);
        }

        @Test
        void plainOpenInferenceRequestNamesModelVersionAndIdInTheBody() {
            String body = "{\"id\": \"r-1\", \"model_name\": \"digits\", \"model_version\": \"1\", \"inputs\": [{\"name\": \"input\","
                    + " \"shape\": [2, 64], \"datatype\": \"FP32\", \"data\": [" + row(1) + ", " + row(2) + "]}]}";

            ingest.request(KafkaRecordFixture.plain(body).at(T0));

            assertThat(ingest.sampleValues()).containsExactly(
                    sample("r-1", 0, "1", "OPEN_INFERENCE_V2", json(row(1)), null, null, T0.toEpochMilli()),
                    sample("r-1", 1, "1", "OPEN_INFERENCE_V2", json(row(2)), null, null, T0.toEpochMilli()));
        }

        @Test
        void plainKServeV1RequestTakesTheModelFromAHeaderAndAnIdFromItsTopicPartitionAndOffset() {
            KafkaRecordFixture request = KafkaRecordFixture.plain("{\"instances\": [" + row(3) + "]}").withHeader("model", "digits");

            ingest.request(request.at(T0));
            ingest.request(request.at(T0));

            assertThat(ingest.sampleValues()).containsExactly(
                    sample("inference-requests-0-0", 0, "2", "KSERVE_V1", json(row(3)), null, null, T0.toEpochMilli()),
                    sample("inference-requests-0-1", 0, "2", "KSERVE_V1", json(row(3)), null, null, T0.toEpochMilli()));
        }

        @Test
        void plainFeaturesRequestNamesModelVersionAndIdInTheBody() {
            ingest.request(KafkaRecordFixture.plain("{\"model\": \"digits\", \"version\": \"1\", \"id\": \"p-1\", \"features\": "
                    + row(4) + "}").at(T0));

            assertThat(ingest.sampleValues())
                    .containsExactly(sample("p-1", 0, "1", "PLAIN", json(row(4)), null, null, T0.toEpochMilli()));
        }

        @Test
        void skipsResponsesWhenTheJoinIsDisabled() {
            ingest.request(KafkaRecordFixture.load("binary-v1-response.json").at(T0));

            assertThat(ingest.samples()).isEmpty();
            assertThat(ingest.deadLetters()).isEmpty();
        }
    }

    @Nested
    class RequestResponseJoin {

        private static final String RESPONSES = "inference-responses";

        private final IngestDriver ingest = new IngestDriver(
                IngestConfig.from(Map.of(IngestConfig.RESPONSES_TOPIC, RESPONSES)), CATALOG);

        @AfterEach
        void close() {
            ingest.close();
        }

        /** A later request; a second of wall-clock time passes first, as the join emits unmatched records at most once a second. */
        private void advanceStreamTimeTo(Instant time) {
            ingest.advanceWallClock(Duration.ofSeconds(1));
            ingest.request(KafkaRecordFixture.plain("{\"model\": \"digits\", \"id\": \"later-" + time.toEpochMilli()
                    + "\", \"features\": " + row(9) + "}").at(time));
        }

        @Test
        void requestThenResponseOnTheSameTopicGivesSamplesWithTheServedLabels() {
            KafkaRecordFixture request = KafkaRecordFixture.load("binary-v1-request.json");
            ingest.request(request.at(T0));
            assertThat(ingest.samples()).as("the request waits for its response").isEmpty();

            ingest.request(KafkaRecordFixture.load("binary-v1-response.json").at(T0.plusMillis(12)));

            JsonNode instances = request.body().get("instances");
            String id = "e58f1edd-43bc-42f6-a10a-d1adb5cab831";
            long eventTime = millis("2023-01-30T10:45:00.000Z");
            assertThat(ingest.sampleValues()).containsExactly(
                    inNamespace("default", sample(id, 0, "2", "KSERVE_V1", instances.get(0), 1, json("[1.0]"), eventTime)),
                    inNamespace("default", sample(id, 1, "2", "KSERVE_V1", instances.get(1), 4, json("[4.0]"), eventTime)));
            assertThat(ingest.deadLetters()).isEmpty();
        }

        @Test
        void responseBeforeRequestOnTheResponsesTopicGivesTheArgmaxOfTheServedScores() {
            KafkaRecordFixture response = KafkaRecordFixture.load("binary-v2-response.json");
            ingest.send(RESPONSES, response.at(T0));
            assertThat(ingest.samples()).isEmpty();

            ingest.request(KafkaRecordFixture.load("binary-v2-request.json").at(T0.plusMillis(3)));

            JsonNode logits = response.body().get("outputs").get(0).get("data");
            assertThat(ingest.sampleValues()).singleElement().satisfies(sample -> {
                assertThat(sample.get("servedClass").asInt()).isEqualTo(6);
                assertThat(sample.get("servedOutput")).isEqualTo(logits);
            });
        }

        @Test
        void unmatchedRequestIsEmittedWithoutServedOutputOnceItsWindowHasClosed() {
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));

            // the window counts from when the request was logged (its ce_time), not from when Kafka got it (T0)
            advanceStreamTimeTo(V1_LOGGED.plus(JOINING.joinWindow()).plus(JOINING.joinGrace()));
            assertThat(ingest.samples()).as("window and grace not yet passed").isEmpty();

            advanceStreamTimeTo(V1_LOGGED.plus(JOINING.joinWindow()).plus(JOINING.joinGrace()).plusMillis(1));
            List<JsonNode> samples = ingest.sampleValues();
            assertThat(requestIds(samples)).containsExactly("e58f1edd-43bc-42f6-a10a-d1adb5cab831",
                    "e58f1edd-43bc-42f6-a10a-d1adb5cab831");
            assertThat(samples).allSatisfy(s -> {
                assertThat(s.get("servedClass").isNull()).isTrue();
                assertThat(s.get("servedOutput").isNull()).isTrue();
            });
        }

        /** A request and its response earlier on, so that the task has seen the responses side. */
        private void earlierPairAt(Instant time) {
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_id", "earlier").at(time));
            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").withHeader("ce_id", "earlier").at(time.plusMillis(5)));
        }

        @Test
        void aRequestTheJoinGivesUpOnWhileTheResponsesLagStillGetsItsResponse() {
            earlierPairAt(T0.minusSeconds(10));
            // the request, then traffic on the requests side only: the responses side lags, as while catching up
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));
            advanceStreamTimeTo(T0.plus(JOINING.joinWindow()).plus(JOINING.joinGrace()).plusSeconds(2));
            assertThat(requestIds(ingest.sampleValues())).as("the request waits for the responses side")
                    .doesNotContain("e58f1edd-43bc-42f6-a10a-d1adb5cab831");

            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").at(T0.plusMillis(12)));

            List<JsonNode> samples = ingest.sampleValues().stream()
                    .filter(s -> s.get("requestId").asText().equals("e58f1edd-43bc-42f6-a10a-d1adb5cab831")).toList();
            assertThat(samples).extracting(s -> s.get("servedClass").asInt()).containsExactly(1, 4);
            advanceStreamTimeTo(T0.plus(FirstOutcomeProcessor.retention(JOINING.joinWindow(), JOINING.joinGrace())).plusSeconds(2));
            assertThat(requestIds(ingest.sampleValues())).as("no second sample").doesNotContain("e58f1edd-43bc-42f6-a10a-d1adb5cab831");
            assertThat(ingest.deadLetters()).isEmpty();
        }

        @Test
        void aRequestAndItsResponseDeliveredApartAcrossAnOutageMeetWithoutWaitingForLaterTraffic() {
            // the request reached Kafka at once; its response, logged with it, only after a 17 s broker outage,
            // behind another exchange logged after the outage; then the traffic stops
            Instant afterOutage = T0.plusSeconds(17);
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_id", "after")
                    .withHeader("ce_time", afterOutage.toString()).at(afterOutage));
            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").withHeader("ce_id", "after")
                    .withHeader("ce_time", afterOutage.toString()).at(afterOutage));
            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").at(afterOutage));
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));

            List<JsonNode> samples = ingest.sampleValues().stream()
                    .filter(s -> s.get("requestId").asText().equals("e58f1edd-43bc-42f6-a10a-d1adb5cab831")).toList();
            assertThat(samples).as("joined on the time both were logged").extracting(s -> s.get("servedClass").asInt())
                    .containsExactly(1, 4);
            assertThat(ingest.deadLetters()).isEmpty();
        }

        @Test
        void aRequestTheJoinGaveUpOnLeavesWithoutServedOutputAfterTheHold() {
            earlierPairAt(T0.minusSeconds(10));
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));
            Duration hold = FirstOutcomeProcessor.retention(JOINING.joinWindow(), JOINING.joinGrace());
            advanceStreamTimeTo(T0.plus(hold).minusSeconds(1));
            assertThat(requestIds(ingest.sampleValues())).doesNotContain("e58f1edd-43bc-42f6-a10a-d1adb5cab831");

            advanceStreamTimeTo(T0.plus(hold).plusSeconds(2));

            assertThat(requestIds(ingest.sampleValues())).containsSubsequence("e58f1edd-43bc-42f6-a10a-d1adb5cab831",
                    "e58f1edd-43bc-42f6-a10a-d1adb5cab831");
        }

        @Test
        void aResponseArrivingAfterItsRequestLeftUnmatchedAddsNoSecondSampleAndNoDeadLetter() {
            // in a task that has seen no response yet, a request leaves unmatched as soon as the join gives up on it
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));
            advanceStreamTimeTo(T0.plus(JOINING.joinWindow()).plus(JOINING.joinGrace()).plusMillis(1));
            assertThat(requestIds(ingest.sampleValues())).as("the request left unmatched")
                    .containsOnly("e58f1edd-43bc-42f6-a10a-d1adb5cab831");

            ingest.request(KafkaRecordFixture.load("binary-v1-response.json").at(T0.plusMillis(12)));
            advanceStreamTimeTo(T0.plus(JOINING.joinWindow().multipliedBy(3)).plus(JOINING.joinGrace().multipliedBy(2)));

            assertThat(requestIds(ingest.sampleValues())).as("no second sample of the request")
                    .doesNotContain("e58f1edd-43bc-42f6-a10a-d1adb5cab831");
            assertThat(ingest.deadLetters()).as("the late response is not dead-lettered either").isEmpty();
        }

        @Test
        void aResponseTheJoinGaveUpOnIsNotDeadLetteredWhenItsRequestComesAfterAll() {
            // the response, then later traffic on the requests side only: the join gives up on the response
            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").at(T0));
            advanceStreamTimeTo(T0.plus(JOINING.joinWindow()).plus(JOINING.joinGrace()).plusMillis(1));

            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0.plusMillis(12)));
            advanceStreamTimeTo(T0.plus(FirstOutcomeProcessor.retention(JOINING.joinWindow(), JOINING.joinGrace())).plusSeconds(2));

            assertThat(requestIds(ingest.sampleValues())).as("the request's samples")
                    .containsSubsequence("e58f1edd-43bc-42f6-a10a-d1adb5cab831", "e58f1edd-43bc-42f6-a10a-d1adb5cab831");
            assertThat(ingest.deadLetters()).as("no dead letter for the response").isEmpty();
        }

        @Test
        void aRequestTheJoinEmitsUnmatchedAfterItsResponseWasHeldStillCarriesTheServedOutput() {
            // the response, then later traffic on both sides for longer than the join keeps records (as while one side
            // catches up): when the request comes at last, the join no longer has the response and emits it unmatched
            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").at(T0));
            Instant later = T0.plus(JOINING.joinWindow().multipliedBy(2)).plus(JOINING.joinGrace()).plusSeconds(1);
            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").withHeader("ce_id", "another").at(later));
            advanceStreamTimeTo(later);

            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0.plusMillis(12)));

            List<JsonNode> samples = ingest.sampleValues().stream()
                    .filter(s -> s.get("requestId").asText().equals("e58f1edd-43bc-42f6-a10a-d1adb5cab831")).toList();
            assertThat(samples).extracting(s -> s.get("servedClass").asInt()).containsExactly(1, 4);
            advanceStreamTimeTo(T0.plus(FirstOutcomeProcessor.retention(JOINING.joinWindow(), JOINING.joinGrace())).plusSeconds(2));
            assertThat(ingest.deadLetterValues()).as("the held response went into the sample, not to the dead letters")
                    .noneSatisfy(letter -> assertThat(letter.get("requestId").asText()).isEqualTo("e58f1edd-43bc-42f6-a10a-d1adb5cab831"));
        }

        @Test
        void aResponseWhoseRequestIsReKeyedLongAfterTheOtherRequestsStillGoesIntoItsSample() {
            // after an outage the task re-keying one partition of the requests may catch up well after the others and
            // the responses: stream time passes the join's hold while this request is still on its way (CrashRecoveryIT
            // saw 3 responses dead-lettered as unmatched and their requests sampled too)
            ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").at(T0));
            advanceStreamTimeTo(T0.plus(JOINING.joinWindow()).plus(JOINING.joinGrace()).plusMillis(1)); // the join gives up on it
            advanceStreamTimeTo(T0.plus(FirstOutcomeProcessor.retention(JOINING.joinWindow(), JOINING.joinGrace())).plusSeconds(5));
            assertThat(ingest.deadLetters()).as("its request may still come: the response is held").isEmpty();

            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0.plusMillis(12)));
            advanceStreamTimeTo(T0.plus(JOINING.dedupRetention()).plusSeconds(2));

            List<JsonNode> samples = ingest.sampleValues().stream()
                    .filter(s -> s.get("requestId").asText().equals("e58f1edd-43bc-42f6-a10a-d1adb5cab831")).toList();
            assertThat(samples).as("the request's rows, with the held response").extracting(s -> s.get("servedClass").asInt())
                    .containsExactly(1, 4);
            assertThat(ingest.deadLetterValues()).as("its response is not dead-lettered")
                    .noneSatisfy(letter -> assertThat(letter.get("requestId").asText()).isEqualTo("e58f1edd-43bc-42f6-a10a-d1adb5cab831"));
        }

        @Test
        void theSameRequestIdSentThreeTimes40SecondsApartGivesOneSampleOnly() {
            String id = "e58f1edd-43bc-42f6-a10a-d1adb5cab831";
            for (int copy = 0; copy < 3; copy++) {
                Instant at = T0.plusSeconds(40L * copy);
                ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(at));
                ingest.send(RESPONSES, KafkaRecordFixture.load("binary-v1-response.json").at(at.plusMillis(12)));
            }
            advanceStreamTimeTo(T0.plusSeconds(200));

            assertThat(requestIds(ingest.sampleValues()).stream().filter(id::equals)).as("one sample per row of the first copy")
                    .hasSize(2);
            assertThat(ingest.deadLetters()).isEmpty();
            assertThat(JOINING.dedupRetention()).as("the default retention covers copies 80 s apart")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(80));
        }

        @Test
        void unmatchedResponseIsDeadLetteredOnceItsRetentionHasPassed() {
            KafkaRecordFixture response = KafkaRecordFixture.load("binary-v1-response.json");
            ingest.request(response.at(T0));

            advanceStreamTimeTo(T0.plus(JOINING.joinWindow()).plus(JOINING.joinGrace()).plusMillis(1));
            advanceStreamTimeTo(T0.plus(FirstOutcomeProcessor.retention(JOINING.joinWindow(), JOINING.joinGrace())).plusSeconds(2));
            assertThat(ingest.deadLetters()).as("held while its request may still come").isEmpty();
            advanceStreamTimeTo(T0.plus(JOINING.dedupRetention()).plusSeconds(2));

            List<TestRecord<byte[], byte[]>> deadLetters = ingest.deadLetters();
            assertThat(deadLetters).singleElement().satisfies(record -> {
                JsonNode letter = IngestDriver.json(record.value());
                assertThat(letter.get("reason").asText()).isEqualTo("UNMATCHED_RESPONSE");
                assertThat(letter.get("requestId").asText()).isEqualTo("e58f1edd-43bc-42f6-a10a-d1adb5cab831");
                assertThat(Base64.getDecoder().decode(letter.get("originalBase64").asText())).isEqualTo(response.value());
                assertThat(new String(record.headers().lastHeader("ce_type").value(), StandardCharsets.UTF_8))
                        .isEqualTo("org.kubeflow.serving.inference.response");
            });
            assertThat(ingest.samples()).extracting(s -> s.value().get("requestId").asText())
                    .doesNotContain("e58f1edd-43bc-42f6-a10a-d1adb5cab831");
        }

        @Test
        void responseWithADifferentNumberOfRowsIsDeadLetteredAndItsRequestEmittedWithoutServedOutput() {
            ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));
            ingest.request(KafkaRecordFixture.load("binary-v1-response.json")
                    .withValue("{\"predictions\": [1]}".getBytes(StandardCharsets.UTF_8)).at(T0.plusMillis(12)));

            assertThat(ingest.sampleValues()).hasSize(2).allSatisfy(s -> assertThat(s.get("servedClass").isNull()).isTrue());
            assertThat(ingest.deadLetterValues()).singleElement()
                    .satisfies(letter -> assertThat(letter.get("reason").asText()).isEqualTo("SHAPE_MISMATCH"));
        }
    }

    /** Seldon Core 2's model topics: Open Inference Protocol protobuf, joined by the x-request-id header. */
    @Nested
    class SeldonCore2 {

        private final SeldonRecords seldon = new SeldonRecords("ml", "digits");
        private final IngestFilters filters = IngestFilters.from(Map.of(SeldonTopics.PATTERN, "seldon\\.ml\\.model\\..+"));

        private static TestRecord<byte[], byte[]> at(org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record, Instant time) {
            return new TestRecord<>(record.key(), record.value(), record.headers(), time);
        }

        @Test
        void aRequestAndItsResponseBecomeASampleWithTheServedClass() {
            try (IngestDriver ingest = new IngestDriver(IngestConfig.defaults(), filters, CATALOG, IngestListener.NONE)) {
                float[] typed = new float[64];
                typed[3] = 0.5f;
                ingest.send(seldon.inputsTopic(), at(seldon.request("s-1", typed), T0));
                ingest.send(seldon.outputsTopic(), at(seldon.response("s-1", 7), T0.plusMillis(5)));
                ingest.send(seldon.inputsTopic(), at(seldon.rawRequest("s-2", typed), T0.plusMillis(6)));
                // the join gives up on s-2; as the task has seen a response, s-2 then waits out the hold for one
                advanceStreamTime(ingest, T0.plusSeconds(60));
                advanceStreamTime(ingest, T0.plusSeconds(61));

                List<JsonNode> samples = ingest.sampleValues();
                assertThat(samples).extracting(n -> n.get("requestId").asText()).containsExactly("s-1", "s-2");
                JsonNode first = samples.get(0);
                assertThat(first.get("format").asText()).isEqualTo("OPEN_INFERENCE_V2_PROTOBUF");
                assertThat(first.get("model").asText()).isEqualTo("digits");
                assertThat(first.get("version").asText()).isEqualTo("2");
                assertThat(first.get("namespace").asText()).isEqualTo("ml");
                assertThat(first.get("servedClass").asInt()).isEqualTo(7);
                assertThat(first.get("features").get(3).asDouble()).isEqualTo(0.5);
                assertThat(samples.get(1).get("features")).as("raw little-endian contents read alike").isEqualTo(first.get("features"));
                assertThat(samples.get(1).get("servedClass").isNull()).isTrue();
            }
        }

        @Test
        void bytesThatAreNoProtobufMessageAreDeadLettered() {
            try (IngestDriver ingest = new IngestDriver(IngestConfig.from(Map.of(IngestConfig.JOIN_ENABLED, "false")), filters, CATALOG,
                    IngestListener.NONE)) {
                org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> good = seldon.request("s-3", new float[64]);
                ingest.send(seldon.inputsTopic(), new TestRecord<>(null, "{\"inputs\": []}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        good.headers(), T0));

                assertThat(ingest.deadLetters()).singleElement().satisfies(d -> {
                    JsonNode letter = IngestDriver.json(d.value());
                    assertThat(letter.get("reason").asText()).isEqualTo("MALFORMED_PROTOBUF");
                    assertThat(letter.get("requestId").asText()).isEqualTo("s-3");
                });
            }
        }

        /** A later request; a second of wall-clock time passes first, as the join emits unmatched records at most once a second. */
        private void advanceStreamTime(IngestDriver ingest, Instant to) {
            ingest.advanceWallClock(Duration.ofSeconds(1));
            ingest.send(seldon.inputsTopic(), at(seldon.request("clock", new float[64]), to));
        }
    }

    /** A shared topic carries other models' traffic and Knative's own events: skipped and counted, not dead letters. */
    @Nested
    class SharedTopics {

        private final IngestConfig config = IngestConfig.from(Map.of(IngestConfig.JOIN_ENABLED, "false"));
        private final List<String> skipped = new java.util.ArrayList<>();

        private IngestDriver driver(String... settings) {
            Map<String, String> filters = new java.util.HashMap<>();
            for (int i = 0; i < settings.length; i += 2) {
                filters.put(settings[i], settings[i + 1]);
            }
            return new IngestDriver(config, IngestFilters.from(filters), CATALOG, skipped::add);
        }

        private static KafkaRecordFixture ping() {
            return KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_type", "dev.knative.sources.ping");
        }

        @Test
        void aForeignCloudEventIsSkippedAndCountedNotDeadLettered() {
            try (IngestDriver ingest = driver()) {
                ingest.request(ping().at(T0));
                ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));

                assertThat(ingest.deadLetters()).isEmpty();
                assertThat(ingest.samples()).hasSize(2);
                assertThat(skipped).containsExactly("event_type");
            }
        }

        @Test
        void readingEveryTypeDeadLettersTheUnknownOnesAsBefore() {
            try (IngestDriver ingest = driver(IngestFilters.EVENT_TYPES, "*")) {
                ingest.request(ping().at(T0));

                assertThat(ingest.deadLetters()).singleElement()
                        .satisfies(d -> assertThat(IngestDriver.json(d.value()).get("reason").asText()).isEqualTo("UNKNOWN_EVENT_TYPE"));
                assertThat(skipped).isEmpty();
            }
        }

        @Test
        void anotherModelsRequestsAndResponsesAreSkippedAndCounted() {
            try (IngestDriver ingest = driver(IngestFilters.MODELS, "credit,fraud")) {
                ingest.request(KafkaRecordFixture.load("binary-v1-request.json").at(T0));
                ingest.request(KafkaRecordFixture.load("binary-v1-response.json").at(T0));
                ingest.request(KafkaRecordFixture.plain("{\"model\": \"digits\", \"features\": " + row(1) + "}").at(T0));

                assertThat(ingest.samples()).isEmpty();
                assertThat(ingest.deadLetters()).isEmpty();
                assertThat(skipped).containsExactly("model", "model", "model");
            }
        }

        @Test
        void theEndpointAndNamespaceAreCarriedAndTheEndpointPicksTheVersion() {
            try (IngestDriver ingest = driver(IngestFilters.VERSIONS, "digits/canary=1,digits/default=2")) {
                ingest.request(KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_endpoint", "canary")
                        .withHeader("ce_namespace", "ml").at(T0));
                ingest.request(KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_endpoint", "default")
                        .withHeader("ce_id", "other").at(T0));

                List<JsonNode> samples = ingest.sampleValues();
                assertThat(samples).extracting(s -> s.get("version").asText()).containsExactly("1", "1", "2", "2");
                assertThat(samples.get(0).get("endpoint").asText()).isEqualTo("canary");
                assertThat(samples.get(0).get("namespace").asText()).isEqualTo("ml");
                assertThat(samples.get(2).get("endpoint").asText()).isEqualTo("default");
            }
        }

        @Test
        void aStructuredEventsExtensionsAreReadWhateverTheirJsonTypeAndItsEndpointPicksTheVersion() {
            try (IngestDriver ingest = driver(IngestFilters.VERSIONS, "digits/canary=1")) {
                ObjectNode event = (ObjectNode) KafkaRecordFixture.load("structured-v1-request.json").body();
                event.put("endpoint", "canary").put("namespace", "ml");
                // Knative adds its own extensions; the SDK reads numbers and booleans as extension values too
                event.put("knativearrivaltime", "2023-01-30T10:47:00.5Z").put("sequence", 7).put("sampled", true);
                ingest.request(KafkaRecordFixture.load("structured-v1-request.json")
                        .withValue(event.toString().getBytes(StandardCharsets.UTF_8)).at(T0));

                assertThat(ingest.deadLetters()).isEmpty();
                assertThat(ingest.sampleValues()).singleElement().satisfies(sample -> {
                    assertThat(sample.get("version").asText()).isEqualTo("1");
                    assertThat(sample.get("endpoint").asText()).isEqualTo("canary");
                    assertThat(sample.get("namespace").asText()).isEqualTo("ml");
                });
            }
        }

        @Test
        void badFilterSettingsNameTheirKey() {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> IngestFilters.from(Map.of(IngestFilters.VERSIONS, "digits=1")))
                    .hasMessageContaining(IngestFilters.VERSIONS);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> IngestFilters.from(Map.of(IngestFilters.EVENT_TYPES, "*,a")))
                    .hasMessageContaining(IngestFilters.EVENT_TYPES);
        }
    }

    @Nested
    class DeadLetters {

        private static final int LIMIT = 4096;

        private static final String EVENT_ID = "e58f1edd-43bc-42f6-a10a-d1adb5cab831";

        private final IngestConfig config = IngestConfig.from(Map.of(IngestConfig.MAX_PAYLOAD_BYTES, Integer.toString(LIMIT),
                IngestConfig.JOIN_ENABLED, "false"));

        private static KafkaRecordFixture event() {
            return KafkaRecordFixture.load("binary-v1-request.json");
        }

        private static KafkaRecordFixture plain(String body) {
            return KafkaRecordFixture.plain(body).withHeader("model", "digits");
        }

        static Stream<Arguments> badRecords() {
            return Stream.of(
                    Arguments.of(RejectReason.MALFORMED_JSON, "truncated JSON", plain("{\"instances\": [" + row(1))),
                    Arguments.of(RejectReason.UNKNOWN_FORMAT, "JSON in no payload form", plain("{\"rows\": [" + row(1) + "]}")),
                    Arguments.of(RejectReason.UNSUPPORTED_DATATYPE, "BOOL tensor", plain("{\"inputs\": [{\"name\": \"input\","
                            + " \"shape\": [1, 1], \"datatype\": \"BOOL\", \"data\": [true]}]}")),
                    Arguments.of(RejectReason.SHAPE_MISMATCH, "3 features for a 64-feature model",
                            plain("{\"features\": [0.1, 0.2, 0.3]}")),
                    Arguments.of(RejectReason.NON_FINITE, "NaN as Python writes it",
                            plain("{\"features\": " + rowStartingWith("NaN", 1) + "}")),
                    Arguments.of(RejectReason.TOO_LARGE, "a value over the limit",
                            plain("{\"instances\": [" + String.join(", ", Collections.nCopies(12, row(1))) + "]}")),
                    Arguments.of(RejectReason.EMPTY, "no instances", plain("{\"instances\": []}")),
                    Arguments.of(RejectReason.EMPTY, "a CloudEvent with an empty value", event().withValue(new byte[0])),
                    Arguments.of(RejectReason.UNKNOWN_MODEL, "the KServe docs' sklearn-iris event",
                            KafkaRecordFixture.load("sklearn-iris-request.json")),
                    Arguments.of(RejectReason.UNKNOWN_MODEL, "a plain record naming no model",
                            KafkaRecordFixture.plain("{\"features\": " + row(1) + "}")),
                    Arguments.of(RejectReason.UNKNOWN_VERSION, "a version the model does not have",
                            plain("{\"version\": \"7\", \"features\": " + row(1) + "}")),
                    Arguments.of(RejectReason.MISSING_ATTRIBUTE, "a CloudEvent without ce_source", event().withHeader("ce_source", null)),
                    Arguments.of(RejectReason.MISSING_ATTRIBUTE, "a CloudEvent without ce_id", event().withHeader("ce_id", null)),
                    Arguments.of(RejectReason.MISSING_ATTRIBUTE, "a plain response without an id",
                            KafkaRecordFixture.plain("{\"predictions\": [1]}")),
                    Arguments.of(RejectReason.INVALID_ATTRIBUTE, "CloudEvents 0.3", event().withHeader("ce_specversion", "0.3")),
                    Arguments.of(RejectReason.INVALID_ATTRIBUTE, "a time that is not RFC 3339", event().withHeader("ce_time", "yesterday")));
        }

        @ParameterizedTest(name = "{0}: {1}")
        @MethodSource("badRecords")
        void deadLettersEveryBadRecordWithItsReason(RejectReason reason, String description, KafkaRecordFixture record) {
            try (IngestDriver ingest = new IngestDriver(config, CATALOG)) {
                ingest.request(record.at(T0));

                assertThat(ingest.samples()).isEmpty();
                assertThat(ingest.deadLetterValues()).singleElement().satisfies(letter -> {
                    assertThat(letter.get("reason").asText()).isEqualTo(reason.name());
                    assertThat(letter.get("detail").asText()).isNotBlank();
                });
            }
        }

        @Test
        void deadLetterKeepsTheOriginalKeyHeadersAndBytesAndSaysWhere() {
            KafkaRecordFixture bad = event().withValue(("{\"instances\": [" + rowStartingWith("Infinity", 1) + "]}")
                    .getBytes(StandardCharsets.UTF_8));
            TestRecord<byte[], byte[]> fixture = bad.at(T0);
            RecordHeaders headers = new RecordHeaders(fixture.headers().toArray());
            headers.add("x-binary", new byte[] {(byte) 0xff, (byte) 0xfe});
            byte[] key = "k-1".getBytes(StandardCharsets.UTF_8);

            try (IngestDriver ingest = new IngestDriver(config, CATALOG)) {
                ingest.request(new TestRecord<>(key, fixture.value(), headers, T0));

                TestRecord<byte[], byte[]> deadLetter = ingest.deadLetters().get(0);
                assertThat(deadLetter.key()).isEqualTo(key);
                assertThat(deadLetter.headers().toArray()).isEqualTo(headers.toArray());
                assertThat(deadLetter.getRecordTime()).isEqualTo(T0);

                JsonNode letter = IngestDriver.json(deadLetter.value());
                assertThat(fieldNames(letter)).containsExactly("requestId", "reason", "detail", "sourceTopic", "partition",
                        "offset", "timestamp", "headers", "originalBase64");
                assertThat(letter.get("requestId").asText()).isEqualTo(EVENT_ID);
                assertThat(letter.get("reason").asText()).isEqualTo("NON_FINITE");
                assertThat(letter.get("detail").asText()).contains("non-finite");
                assertThat(letter.get("sourceTopic").asText()).isEqualTo("inference-requests");
                assertThat(letter.get("partition").asInt()).isZero();
                assertThat(letter.get("offset").asLong()).isZero();
                assertThat(letter.get("timestamp").asLong()).isEqualTo(T0.toEpochMilli());
                assertThat(letter.get("headers").get("ce_inferenceservicename").asText()).isEqualTo("digits");
                assertThat(letter.get("headers").get("ce_endpoint").asText()).isEmpty();
                assertThat(letter.get("headers").get("x-binary")).isEqualTo(json("{\"base64\": \"//4=\"}"));
                assertThat(Base64.getDecoder().decode(letter.get("originalBase64").asText())).isEqualTo(fixture.value());
            }
        }

        @Test
        void leavesOutTheOriginalOfAValueOverTheLimit() {
            byte[] huge = ("{\"instances\": [" + String.join(", ", Collections.nCopies(12, row(1))) + "]}")
                    .getBytes(StandardCharsets.UTF_8);

            try (IngestDriver ingest = new IngestDriver(config, CATALOG)) {
                ingest.request(event().withValue(huge).at(T0));

                JsonNode letter = ingest.deadLetterValues().get(0);
                assertThat(letter.get("reason").asText()).isEqualTo("TOO_LARGE");
                assertThat(letter.get("originalBase64").isNull()).isTrue();
            }
        }

        @Test
        void deadLettersARequestWhoseModelVersionCannotBeReadAsModelUnavailable() {
            ModelCatalog broken = (model, version) -> {
                throw new PayloadException(RejectReason.MODEL_UNAVAILABLE, "models/digits/2: no model.onnx or model.pt");
            };
            try (IngestDriver ingest = new IngestDriver(config, broken)) {
                ingest.request(event().at(T0));

                assertThat(ingest.deadLetterValues()).singleElement()
                        .satisfies(letter -> assertThat(letter.get("reason").asText()).isEqualTo("MODEL_UNAVAILABLE"));
            }
        }

        @Test
        void deadLettersARequestOutsideItsModelsDomainNamingTheFeatureAndTheValueAndKeepsTheOthers() {
            try (IngestDriver ingest = new IngestDriver(config, CATALOG)) {
                ingest.request(KafkaRecordFixture.plain("{\"model\": \"bounded\", \"id\": \"raw\", \"features\": "
                        + rowStartingWith("16", 3) + "}").at(T0));
                ingest.request(KafkaRecordFixture.plain("{\"model\": \"bounded\", \"id\": \"scaled\", \"features\": "
                        + row(3) + "}").at(T0));

                assertThat(ingest.deadLetterValues()).singleElement().satisfies(letter -> {
                    assertThat(letter.get("reason").asText()).isEqualTo("OUT_OF_DOMAIN");
                    assertThat(letter.get("requestId").asText()).isEqualTo("raw");
                    assertThat(letter.get("detail").asText())
                            .isEqualTo("feature 0 (px_0_0) = 16.0 is outside the domain [0.0, 1.0] of model bounded version 1");
                });
                assertThat(requestIds(ingest.sampleValues())).containsExactly("scaled");
            }
        }

        @Test
        void deadLettersAnUnexpectedFailureAsInternalAndKeepsFlowing() {
            ModelCatalog failing = (model, version) -> {
                if (version == null) {
                    throw new IllegalStateException("catalog bug");
                }
                return CATALOG.resolve(model, version);
            };
            try (IngestDriver ingest = new IngestDriver(config, failing)) {
                ingest.request(event().at(T0));
                ingest.request(plain("{\"version\": \"1\", \"features\": " + row(1) + "}").at(T0));

                assertThat(ingest.deadLetterValues()).singleElement().satisfies(letter -> {
                    assertThat(letter.get("reason").asText()).isEqualTo("INTERNAL");
                    assertThat(letter.get("requestId").asText()).isEqualTo(EVENT_ID);
                    assertThat(letter.get("detail").asText()).contains("IllegalStateException", "catalog bug");
                });
                assertThat(ingest.samples()).hasSize(1);
            }
        }

        private static List<String> fieldNames(JsonNode node) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            return names;
        }
    }

    @Test
    void namesEveryInternalTopicAndStoreSoThatTopologyEditsKeepThem() {
        TopologyDescription description = new IngestTopology(JOINING, CATALOG).build().describe();
        Set<String> external = Set.of(JOINING.requestsTopic(), JOINING.samplesTopic(), JOINING.dlqTopic());
        Set<String> internal = new TreeSet<>();
        for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    internal.addAll(source.topicSet());
                } else if (node instanceof TopologyDescription.Sink sink) {
                    internal.add(sink.topic());
                } else if (node instanceof TopologyDescription.Processor processor) {
                    internal.addAll(processor.stores());
                }
            }
        }
        internal.removeAll(external);

        assertThat(internal).isNotEmpty().allSatisfy(name -> assertThat(name).startsWith("ingest-"));
    }
}
