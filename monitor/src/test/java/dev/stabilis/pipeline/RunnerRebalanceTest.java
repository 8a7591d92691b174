package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.kafka.SharedBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A runner's group rebalances while the runner is filling a micro-batch: a second runner joins after the first has
 * polled its first samples and while it waits for more. The partitions the first runner gives up are read again from
 * the committed offsets by whoever owns them next, so the samples it had polled from them must leave its batch;
 * committed in its transaction too, they would be explained twice (ScaleOutIT saw 45 such duplicates once after a kill).
 * Read back with read_committed, every sample is explained exactly once, and the first runner counts the samples it
 * handed on.
 */
class RunnerRebalanceTest {

    private static final int PARTITIONS = 2;
    private static final int PER_PARTITION = 4;
    private static final Duration NOTICE = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void samplesOfPartitionsRevokedWhileABatchFillsAreExplainedOnceByTheirNextOwner() throws Exception {
        String prefix = "rebalance-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.runner.attack", "false");
        settings.put("stabilis.runner.torch.threads", "1");
        // the first batch waits this long for more samples: the rebalance happens inside it
        settings.put("stabilis.runner.max.wait.ms", "8000");
        // a member learns of a rebalance from its next heartbeat
        settings.put("kafka.heartbeat.interval.ms", "250");
        StabilisConfig first = runnerConfig(settings, prefix + "runner-a");
        Topics.create(first.kafka(), Topics.all(first), PARTITIONS, (short) 1);
        String samples = first.required("stabilis.topics.samples");
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer(first)) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                for (int i = 0; i < PER_PARTITION; i++) {
                    String id = "p" + partition + "-" + i;
                    ProducerRecord<String, byte[]> sample = SampleRecords.digits(samples, id, "1", new float[64]);
                    producer.send(new ProducerRecord<>(samples, partition, sample.key(), sample.value())).get();
                    ids.add(id);
                }
            }
        }

        SimpleMeterRegistry firstRegistry = new SimpleMeterRegistry();
        try (RunnerApp a = new RunnerApp(first, firstRegistry)) {
            a.start();
            PipelineProcesses.await("the first runner polls its first samples", NOTICE, () -> consumed(firstRegistry) > 0);
            try (RunnerApp b = new RunnerApp(runnerConfig(settings, prefix + "runner-b"), new SimpleMeterRegistry())) {
                b.start();
                Map<String, Long> explained = explanations(first, ids.size());
                assertThat(explained).as("explanations per sample (read_committed)").containsOnlyKeys(ids)
                        .allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1L));
                assertThat(counter(firstRegistry, "stabilis.runner.samples.handed.over"))
                        .as("samples the first runner dropped from its filling batch when the rebalance took their partitions")
                        .isPositive();
            }
        }
    }

    private static StabilisConfig runnerConfig(Map<String, String> settings, String transactionalId) {
        Map<String, String> own = new HashMap<>(settings);
        own.put("stabilis.runner.transactional.id", transactionalId);
        return StabilisConfig.load(null, Map.of(), Map.of(), own);
    }

    private static double consumed(MeterRegistry registry) {
        return counter(registry, "kafka.consumer.fetch.manager.records.consumed.total");
    }

    private static double counter(MeterRegistry registry, String name) {
        return Search.in(registry).name(name).functionCounters().stream().mapToDouble(c -> c.count()).sum()
                + Search.in(registry).name(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static KafkaProducer<String, byte[]> producer(StabilisConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Explanations per request id, read (read_committed) until {@code expected} ids have one, then 3 s longer so that a
     * duplicate committed later would show.
     */
    private static Map<String, Long> explanations(StabilisConfig config, int expected) throws Exception {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("group.id", "rebalance-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(config.required("stabilis.topics.explanations")));
            long deadline = System.nanoTime() + NOTICE.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ids.add(JSON.readTree(r.value()).path("requestId").asText());
                }
                if (ids.stream().distinct().count() >= expected) {
                    deadline = Math.min(deadline, System.nanoTime() + Duration.ofSeconds(3).toNanos());
                }
            }
        }
        return ids.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
