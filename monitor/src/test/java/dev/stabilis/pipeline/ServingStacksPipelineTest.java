package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.contract.ContractSchemas;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.ingest.IngestFilters;
import dev.stabilis.ingest.KafkaRecordFixture;
import dev.stabilis.ingest.SeldonRecords;
import dev.stabilis.ingest.SeldonTopics;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.model.ModelRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real serving-stack traffic through the real-broker pipeline into explanations: KServe's payload logger (the
 * fixtures of {@code src/test/resources/kserve}, CloudEvents as a Knative KafkaSink writes them) on a shared requests
 * topic, and Seldon Core 2's Open Inference Protocol protobuf on its {@code seldon.<ns>.model.<m>.inputs/outputs}
 * topics. Foreign traffic on the same topics (a Knative ping event, another model's requests on both stacks) is
 * skipped and counted, never dead-lettered.
 */
class ServingStacksPipelineTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void kserveAndSeldonTrafficBecomesExplanationsAndForeignEventsAreSkippedAndCounted(@TempDir Path state) throws Exception {
        String prefix = "stacks-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String namespace = "ns" + UUID.randomUUID().toString().substring(0, 8);
        SeldonRecords seldon = new SeldonRecords(namespace, "digits");
        SeldonRecords seldonOther = new SeldonRecords(namespace, "credit");
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.monitor.state.dir", state.toString());
        settings.put(IngestFilters.MODELS, "digits");
        settings.put(SeldonTopics.PATTERN, "seldon\\." + namespace + "\\.model\\..+");
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        List<String> topics = new ArrayList<>(Topics.all(config));
        topics.addAll(List.of(seldon.inputsTopic(), seldon.outputsTopic(), seldonOther.inputsTopic()));
        Topics.create(config.kafka(), topics, 2, (short) 1);
        String requests = config.required("stabilis.topics.requests");
        float[] digit = DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest").stable().get(0);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MonitorApp monitor = new MonitorApp(config, registry); RunnerApp runner = new RunnerApp(config, registry)) {
            monitor.start();
            runner.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!(monitor.ready() && runner.ready()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(monitor.ready() && runner.ready()).as("monitor and runner ready").isTrue();
            Properties props = new Properties();
            props.putAll(config.kafka());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(KafkaRecordFixture.load("binary-v1-request.json").to(requests));
                producer.send(KafkaRecordFixture.load("binary-v1-response.json").to(requests));
                producer.send(seldon.request("seldon-1", digit));
                producer.send(seldon.response("seldon-1", 4));
                // foreign traffic on the same topics
                producer.send(KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_type", "dev.knative.sources.ping")
                        .withHeader("ce_id", "ping-1").to(requests));
                producer.send(KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_inferenceservicename", "credit")
                        .withHeader("ce_id", "credit-1").to(requests));
                producer.send(seldonOther.request("seldon-credit-1", new float[] {1, 2, 3}));
            }

            String fixtureId = "e58f1edd-43bc-42f6-a10a-d1adb5cab831";
            Map<String, List<JsonNode>> read = read(config, List.of(config.required("stabilis.topics.explanations"),
                    config.required("stabilis.topics.samples"), config.required("stabilis.topics.dlq")), 3, Duration.ofSeconds(120));
            List<JsonNode> explanations = read.get(config.required("stabilis.topics.explanations"));
            assertThat(explanations).extracting(e -> e.get("requestId").asText() + "#" + e.get("index").asInt())
                    .containsExactlyInAnyOrder(fixtureId + "#0", fixtureId + "#1", "seldon-1#0");
            JsonNode fromSeldon = explanations.stream().filter(e -> e.get("requestId").asText().equals("seldon-1")).findFirst().orElseThrow();
            assertThat(fromSeldon.get("servedClass").asInt()).as("joined by Seldon's x-request-id header").isEqualTo(4);
            List<JsonNode> samples = read.get(config.required("stabilis.topics.samples"));
            assertThat(samples).extracting(s -> s.get("format").asText() + "/" + s.get("namespace").asText())
                    .containsExactlyInAnyOrder("KSERVE_V1/default", "KSERVE_V1/default", "OPEN_INFERENCE_V2_PROTOBUF/" + namespace);
            ContractSchemas.SAMPLE.assertValid(samples);
            ContractSchemas.EXPLANATION.assertValid(explanations);
            assertThat(read.get(config.required("stabilis.topics.dlq"))).as("foreign traffic is not dead-lettered").isEmpty();
            assertThat(skipped(registry, "event_type")).isEqualTo(1);
            assertThat(skipped(registry, "model")).as("another model's KServe event and Seldon request").isEqualTo(2);
        }
    }

    private static double skipped(SimpleMeterRegistry registry, String reason) {
        Counter counter = registry.find("stabilis.ingest.skipped").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Reads the topics (read_committed) until {@code expected} records are on the first, then 5 s more. */
    private static Map<String, List<JsonNode>> read(StabilisConfig config, List<String> topics, int expected, Duration timeout)
            throws Exception {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("group.id", "stacks-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        Map<String, List<JsonNode>> seen = new HashMap<>();
        topics.forEach(t -> seen.put(t, new ArrayList<>()));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + timeout.toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.get(r.topic()).add(JSON.readTree(r.value()));
                }
                if (settle == Long.MAX_VALUE && seen.get(topics.get(0)).size() >= expected) {
                    settle = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                }
            }
        }
        return seen;
    }
}
