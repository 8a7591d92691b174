package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline end to end on a real broker: ingest, runner and detect, with KServe-logged requests of which
 * some are malformed and some unstable. Counts every record by request id with read_committed consumers.
 */
class PipelineIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int STABLE = 40;
    private static final int UNSTABLE = 6;
    private static final String BROKEN = "broken";

    @Test
    void everyRequestEndsAsOneExplanationOrOneDeadLetterAndOnlyInjectedSamplesAlert(@TempDir Path repository) throws Exception {
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        installModels(repository);
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings(prefix, repository));
        Topics.create(config.kafka(), Topics.all(config), 2, (short) 1);
        DemoPools pools = DemoPools.judge(new ModelRepository(repository), "digits", "latest");
        KServeRecords kserve = new KServeRecords("digits", "default");
        String requests = config.required("stabilis.topics.requests");
        String responses = config.required("stabilis.topics.responses");

        List<ProducerRecord<String, byte[]>> traffic = new ArrayList<>();
        List<String> stable = new ArrayList<>();
        List<String> unstable = new ArrayList<>();
        for (int i = 0; i < STABLE + UNSTABLE; i++) {
            boolean injected = i % 7 == 3 && unstable.size() < UNSTABLE || STABLE + unstable.size() == i;
            String id = (injected ? "unstable-" : "stable-") + i;
            int pick = injected ? unstable.size() % pools.unstable().size() : i % pools.stable().size();
            float[] x = injected ? pools.unstable().get(pick) : pools.stable().get(pick);
            int served = injected ? pools.unstableClasses().get(pick) : pools.stableClasses().get(pick);
            traffic.add(kserve.request(requests, id, x));
            traffic.add(kserve.response(responses, id, served));
            (injected ? unstable : stable).add(id);
        }
        assertThat(unstable).hasSize(UNSTABLE);
        Map<String, String> malformed = new LinkedHashMap<>();
        float[] digit = pools.stable().get(0);
        traffic.add(kserve.malformedRequest(requests, "bad-json"));
        malformed.put("bad-json", "MALFORMED_JSON");
        traffic.add(withBody(kserve.request(requests, "bad-nan", digit), oip("bad-nan", "FP32", 64, "NaN")));
        malformed.put("bad-nan", "NON_FINITE");
        traffic.add(withBody(kserve.request(requests, "bad-shape", digit), oip("bad-shape", "FP32", 63, "0.5")));
        malformed.put("bad-shape", "SHAPE_MISMATCH");
        traffic.add(withBody(kserve.request(requests, "bad-type", digit), oip("bad-type", "BYTES", 64, "\"a\"")));
        malformed.put("bad-type", "UNSUPPORTED_DATATYPE");
        traffic.add(new KServeRecords("no-such-model", "default").request(requests, "bad-model", digit));
        malformed.put("bad-model", "UNKNOWN_MODEL");
        KServeRecords brokenModel = new KServeRecords(BROKEN, "default");
        traffic.add(brokenModel.request(requests, "broken-model", digit));
        traffic.add(brokenModel.response(responses, "broken-model", 0));
        malformed.put("broken-model", "MODEL_UNAVAILABLE");

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MonitorApp monitor = new MonitorApp(config, registry); RunnerApp runner = new RunnerApp(config, registry)) {
            monitor.start();
            runner.start();
            await("monitor and runner ready", Duration.ofSeconds(90), () -> monitor.ready() && runner.ready());
            try (KafkaProducer<String, byte[]> producer = producer(config)) {
                traffic.forEach(producer::send);
            }
            Map<String, List<JsonNode>> seen = readUntil(config, (stable.size() + unstable.size()), malformed.size(), Duration.ofSeconds(120));

            List<String> explained = seen.get(config.required("stabilis.topics.explanations")).stream()
                    .map(n -> n.path("requestId").asText()).toList();
            List<String> all = new ArrayList<>(stable);
            all.addAll(unstable);
            assertThat(explained).as("one explanation per valid request").containsExactlyInAnyOrderElementsOf(all);

            Map<String, String> deadLetters = seen.get(config.required("stabilis.topics.dlq")).stream()
                    .collect(Collectors.toMap(n -> n.path("requestId").asText(), n -> n.path("reason").asText()));
            assertThat(seen.get(config.required("stabilis.topics.dlq"))).as("one dead letter per malformed request").hasSize(malformed.size());
            assertThat(deadLetters).isEqualTo(malformed);

            List<JsonNode> alerts = seen.get(config.required("stabilis.topics.alerts"));
            Map<String, Long> evidence = alerts.stream().flatMap(a -> toList(a.path("evidence")).stream())
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            for (String id : unstable) {
                assertThat(evidence.get(id + "#0")).as("alerts naming %s in %s", id, alerts).isEqualTo(1L);
            }
            for (String id : stable) {
                assertThat(evidence).as("no alert for stable traffic").doesNotContainKey(id + "#0");
            }
            assertThat(alerts).allSatisfy(a -> assertThat(a.path("kind").asText()).isEqualTo("SAMPLE_UNSTABLE"));
        }
    }

    /**
     * The demo model, and a model whose ONNX file passes ingest but whose policy the runner refuses: its samples
     * must be dead-lettered while the demo model's flow on.
     */
    private static void installModels(Path repository) throws IOException {
        Path digits = Files.createDirectories(repository.resolve("digits/1"));
        Path broken = Files.createDirectories(repository.resolve(BROKEN + "/1"));
        for (String file : List.of("model.onnx", "stabilis.yaml")) {
            Files.copy(Path.of("..", "models", "digits", "1", file), digits.resolve(file));
        }
        Files.copy(digits.resolve("model.onnx"), broken.resolve("model.onnx"));
        Files.writeString(broken.resolve("stabilis.yaml"), "classes: [only-one]\n");
    }

    private static Map<String, String> settings(String prefix, Path repository) {
        Map<String, String> s = new HashMap<>();
        s.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        for (String topic : List.of("requests", "responses", "samples", "explanations", "alerts", "dlq")) {
            s.put("stabilis.topics." + topic, prefix + topic);
        }
        s.put("stabilis.models.repository", repository.toString());
        s.put("stabilis.monitor.application.id", prefix + "stabilis");
        s.put("stabilis.runner.group.id", prefix + "runner");
        s.put("stabilis.runner.transactional.id", prefix + "runner-0");
        s.put("stabilis.runner.radius", "false");
        s.put("stabilis.runner.curvature.iterations", "0");
        s.put("stabilis.runner.include.attributions", "false");
        s.put("stabilis.runner.device", "cpu");
        // merged alerts flush a second after their first sample
        s.put("stabilis.detect.suppression.window.ms", "1000");
        s.put("stabilis.detect.suppression.check.interval.ms", "200");
        return s;
    }

    private static byte[] oip(String id, String datatype, int features, String value) {
        String data = String.join(",", java.util.Collections.nCopies(features, value));
        return ("{\"id\":\"" + id + "\",\"inputs\":[{\"name\":\"input\",\"shape\":[1," + features + "],\"datatype\":\"" + datatype
                + "\",\"data\":[" + data + "]}]}").getBytes(StandardCharsets.UTF_8);
    }

    private static ProducerRecord<String, byte[]> withBody(ProducerRecord<String, byte[]> record, byte[] body) {
        ProducerRecord<String, byte[]> out = new ProducerRecord<>(record.topic(), null, record.key(), body);
        for (Header h : record.headers()) {
            out.headers().add(h);
        }
        return out;
    }

    private static KafkaProducer<String, byte[]> producer(StabilisConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Reads the output topics (read_committed) until the counts are reached, then 5 s more to catch duplicates. */
    private static Map<String, List<JsonNode>> readUntil(StabilisConfig config, int explanations, int deadLetters, Duration timeout)
            throws Exception {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("group.id", "it-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        String explanationsTopic = config.required("stabilis.topics.explanations");
        String dlqTopic = config.required("stabilis.topics.dlq");
        String alertsTopic = config.required("stabilis.topics.alerts");
        Map<String, List<JsonNode>> seen = new HashMap<>();
        for (String t : List.of(explanationsTopic, dlqTopic, alertsTopic)) {
            seen.put(t, new ArrayList<>());
        }
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(explanationsTopic, dlqTopic, alertsTopic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.get(r.topic()).add(JSON.readTree(r.value()));
                }
                if (settleUntil == Long.MAX_VALUE && seen.get(explanationsTopic).size() >= explanations
                        && seen.get(dlqTopic).size() >= deadLetters) {
                    settleUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                }
            }
        }
        return seen;
    }

    private static List<String> toList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
