package dev.stabilis.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Counts committed dead-letter records by reason, read back from the dead-letter topic: ingest, runner and
 * detect all write there, so the topic is the one place that sees every rejection. Every monitor instance reads in
 * one consumer group, {@code <application id>-dlq-meter}, so each dead letter is counted by exactly one instance and
 * the sum over instances (what dashboards and alert rules take) counts it once, whatever the replica count. A new
 * group starts at the end of the topic; afterwards the group's committed offsets carry the count across restarts.
 */
public final class DeadLetterMeter implements Runnable, AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final MeterRegistry registry;
    private volatile boolean running = true;

    /**
     * @param groupId the consumer group shared by every monitor instance of a deployment
     */
    public DeadLetterMeter(Map<String, String> kafka, String topic, String groupId, MeterRegistry registry) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("group.id", groupId);
        props.put("isolation.level", "read_committed");
        props.put("auto.offset.reset", "latest");
        props.put("enable.auto.commit", "true");
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.registry = registry;
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(topic));
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Counter.builder("stabilis.dlq").description("Records in the dead-letter topic, by reason")
                            .tag("reason", reason(r.value())).register(registry).increment();
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    private static String reason(byte[] value) {
        try {
            return JSON.readTree(value).path("reason").asText("UNKNOWN");
        } catch (IOException e) {
            return "UNKNOWN";
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
