package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.contract.ContractSchemas;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.model.ModelRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner on a real broker while its model repository is edited under it (polling every 200 ms): a broken policy
 * ({@code k: -5}) and then a garbage {@code model.onnx} swapped into the version it serves, and a new version that is
 * garbage, leave the last good version serving, each counted as a failed load and flagged until good files replace
 * them; good files are picked up without a restart. Samples are written straight to the samples topic.
 */
class ModelHotReloadTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration NOTICE = Duration.ofSeconds(30);

    @TempDir
    Path repository;

    @Test
    void brokenFilesSwappedInWhileRunningLeaveTheLastGoodVersionServing() throws Exception {
        Path version1 = Files.createDirectories(repository.resolve("digits/1"));
        for (String file : List.of("model.onnx", "stabilis.yaml")) {
            Files.copy(Path.of("..", "models", "digits", "1", file), version1.resolve(file));
        }
        String goodPolicy = Files.readString(version1.resolve("stabilis.yaml"));
        assertThat(goodPolicy).contains("  k: 5\n");
        String prefix = "reload-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.models.repository", repository.toString());
        settings.put("stabilis.runner.models.poll.ms", "200");
        settings.put("stabilis.runner.attack", "false");
        settings.put("stabilis.runner.torch.threads", "1");
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        Topics.create(config.kafka(), Topics.all(config), 1, (short) 1);
        float[] digit = DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest").stable().get(0);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        try (RunnerApp runner = new RunnerApp(config, registry); Topic topics = new Topic(config)) {
            runner.start();
            PipelineProcesses.await("runner ready", Duration.ofSeconds(90), runner::ready);
            assertThat(topics.explain("good", "1", digit)).extracting(e -> e.path("k").asInt()).containsOnly(5);

            Files.writeString(version1.resolve("stabilis.yaml"), goodPolicy.replace("  k: 5\n", "  k: -5\n"));
            awaitLoadFailures(registry, "1", 1);
            assertThat(rejected(registry, "1")).isEqualTo(1.0);
            assertThat(topics.explain("broken-policy", "1", digit)).as("explained by the last good files")
                    .allSatisfy(e -> assertThat(e.path("version").asText() + " k " + e.path("k").asInt()).isEqualTo("1 k 5"));

            Files.writeString(version1.resolve("stabilis.yaml"), goodPolicy);
            Files.writeString(version1.resolve("model.onnx"), "garbage, not an ONNX model");
            awaitLoadFailures(registry, "1", 2);
            assertThat(topics.explain("garbage-model", "1", digit)).as("explained by the last good files")
                    .allSatisfy(e -> assertThat(e.path("version").asText() + " k " + e.path("k").asInt()).isEqualTo("1 k 5"));

            Path version2 = Files.createDirectories(repository.resolve("digits/2"));
            Files.writeString(version2.resolve("stabilis.yaml"), goodPolicy);
            Files.writeString(version2.resolve("model.onnx"), "garbage, not an ONNX model");
            awaitLoadFailures(registry, "2", 1);
            List<JsonNode> fallback = topics.explain("new-version", "2", digit);
            assertThat(fallback).as("version 2's samples explained by version 1, which says so")
                    .allSatisfy(e -> assertThat(e.path("version").asText() + " for " + e.path("requestedVersion").asText()).isEqualTo("1 for 2"));
            ContractSchemas.EXPLANATION.assertValid(fallback);

            Files.copy(Path.of("..", "models", "digits", "1", "model.onnx"), version1.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(version1.resolve("stabilis.yaml"), goodPolicy.replace("  k: 5\n", "  k: 4\n"));
            PipelineProcesses.await("good files of version 1 loaded", NOTICE, () -> rejected(registry, "1") == 0.0);
            List<JsonNode> fixed = topics.explain("fixed", "1", digit);
            assertThat(fixed).as("the good new files serve").extracting(e -> e.path("k").asInt()).containsOnly(4);
            assertThat(fixed).as("served by their own version").allSatisfy(e -> assertThat(e.path("requestedVersion").isNull()).isTrue());
            assertThat(topics.deadLetters()).as("no sample was dead-lettered").isEmpty();
        }
    }

    private static void awaitLoadFailures(MeterRegistry registry, String version, double count) throws InterruptedException {
        PipelineProcesses.await("failed load " + (int) count + " of digits/" + version, NOTICE,
                () -> Search.in(registry).name("stabilis.model.load.failures").tags("model", "digits", "version", version).counters()
                        .stream().mapToDouble(c -> c.count()).sum() >= count);
    }

    private static double rejected(MeterRegistry registry, String version) {
        return Search.in(registry).name("stabilis.model.version.rejected").tags("model", "digits", "version", version).gauges()
                .stream().mapToDouble(g -> g.value()).sum();
    }

    /** Writes samples and reads their explanations and the dead letters back, read_committed. */
    private static final class Topic implements AutoCloseable {

        private final String samples;
        private final String explanations;
        private final String deadLetters;
        private final KafkaProducer<String, byte[]> producer;
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<JsonNode> dead = new ArrayList<>();

        Topic(StabilisConfig config) {
            samples = config.required("stabilis.topics.samples");
            explanations = config.required("stabilis.topics.explanations");
            deadLetters = config.required("stabilis.topics.dlq");
            Properties props = new Properties();
            props.putAll(config.kafka());
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
            props.put("group.id", "reload-reader-" + UUID.randomUUID());
            props.put("auto.offset.reset", "earliest");
            props.put("isolation.level", "read_committed");
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(explanations, deadLetters));
        }

        /** Sends five samples of a version and waits for their five explanations. */
        List<JsonNode> explain(String name, String version, float[] features) throws IOException {
            for (int i = 0; i < 5; i++) {
                producer.send(SampleRecords.digits(samples, name + "-" + i, version, features));
            }
            producer.flush();
            List<JsonNode> found = new ArrayList<>();
            long deadline = System.nanoTime() + NOTICE.toNanos();
            while (found.size() < 5 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode value = JSON.readTree(r.value());
                    if (r.topic().equals(deadLetters)) {
                        dead.add(value);
                    } else if (value.path("requestId").asText().startsWith(name + "-")) {
                        found.add(value);
                    }
                }
            }
            assertThat(found).as("explanations of %s (dead letters so far: %s)", name, dead).hasSize(5);
            return found;
        }

        List<JsonNode> deadLetters() {
            return dead;
        }

        @Override
        public void close() {
            producer.close();
            consumer.close();
        }
    }
}
