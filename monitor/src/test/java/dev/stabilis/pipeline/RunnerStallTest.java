package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.kafka.SharedBroker;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A runner whose group's committed offset is held by a transaction that never completes cannot learn its position,
 * and polls nothing without an error: the state a broker crash left behind in two of CrashRecoveryIT's runs (a
 * coordinator that completed a transaction without writing its markers). Here another producer's pending
 * transactional offset commit for the runner's group holds it. The runner says so: after its position timeout it
 * reports not ready and counts the partition in {@code stabilis_runner_partitions_without_position}; once the
 * transaction is aborted it is ready again and explains the sample that waited.
 */
class RunnerStallTest {

    private static final Duration NOTICE = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aTransactionHoldingTheGroupsOffsetMakesTheRunnerNotReadyUntilItIsAborted() throws Exception {
        String prefix = "stall-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.runner.attack", "false");
        settings.put("stabilis.runner.torch.threads", "1");
        settings.put("stabilis.runner.position.timeout.ms", "2000");
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        Topics.create(config.kafka(), Topics.all(config), 1, (short) 1);
        String samples = config.required("stabilis.topics.samples");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        try (KafkaProducer<String, byte[]> blocker = producer(config, prefix + "blocker");
                KafkaProducer<String, byte[]> plain = producer(config, null)) {
            blocker.initTransactions();
            blocker.beginTransaction();
            blocker.sendOffsetsToTransaction(Map.of(new TopicPartition(samples, 0), new OffsetAndMetadata(0)),
                    new ConsumerGroupMetadata(config.required("stabilis.runner.group.id")));
            plain.send(SampleRecords.digits(samples, "waited", "1", new float[64])).get();

            try (RunnerApp runner = new RunnerApp(config, registry)) {
                runner.start();
                PipelineProcesses.await("the runner counts its partition without a position", NOTICE,
                        () -> withoutPosition(registry) == 1.0);
                assertThat(runner.ready()).as("ready while stalled").isFalse();

                blocker.abortTransaction();
                PipelineProcesses.await("the runner ready again", NOTICE, () -> withoutPosition(registry) == 0.0 && runner.ready());
                assertThat(explanationsUntil(config, "waited")).as("the sample that waited is explained").containsExactly("waited");
            }
        }
    }

    private static double withoutPosition(SimpleMeterRegistry registry) {
        return Search.in(registry).name("stabilis.runner.partitions.without.position").gauges().stream()
                .mapToDouble(g -> g.value()).sum();
    }

    private static KafkaProducer<String, byte[]> producer(StabilisConfig config, String transactionalId) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        if (transactionalId != null) {
            props.put("transactional.id", transactionalId);
            props.put("transaction.timeout.ms", "300000");
        }
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** The request ids of the explanations read (read_committed) until one of {@code requestId} or the notice ends. */
    private static List<String> explanationsUntil(StabilisConfig config, String requestId) throws Exception {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("group.id", "stall-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(config.required("stabilis.topics.explanations")));
            long deadline = System.nanoTime() + NOTICE.toNanos();
            while (!ids.contains(requestId) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ids.add(JSON.readTree(r.value()).path("requestId").asText());
                }
            }
        }
        return ids;
    }
}
