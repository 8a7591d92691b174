package dev.stabilis.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What {@code stabilis demo} prints: every alert as it arrives, and every few seconds a summary line with
 * throughput, certified fraction, alerts and dead letters, read back from the output topics (read_committed,
 * as any subscriber would).
 */
public final class DemoConsole implements Runnable, AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final KafkaConsumer<String, byte[]> consumer;
    private final PrintWriter out;
    private final String explanationsTopic;
    private final String alertsTopic;
    private final String dlqTopic;
    private final long summaryEveryNanos;
    private long explained;
    private long certified;
    private long alerts;
    private long deadLetters;
    private volatile boolean running = true;

    public DemoConsole(Map<String, String> kafka, String explanationsTopic, String alertsTopic, String dlqTopic, PrintWriter out,
            Duration summaryEvery) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("group.id", "stabilis-demo-console-" + UUID.randomUUID());
        props.put("isolation.level", "read_committed");
        props.put("auto.offset.reset", "latest");
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.out = out;
        this.explanationsTopic = explanationsTopic;
        this.alertsTopic = alertsTopic;
        this.dlqTopic = dlqTopic;
        this.summaryEveryNanos = summaryEvery.toNanos();
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(explanationsTopic, alertsTopic, dlqTopic));
        long lastSummary = System.nanoTime();
        long explainedAtLastSummary = 0;
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    count(r);
                }
                long now = System.nanoTime();
                if (now - lastSummary >= summaryEveryNanos) {
                    double seconds = (now - lastSummary) / 1e9;
                    out.printf("%s  %6.1f samples/s  explained %d  certified top-k %5.1f%%  alerts %d  dead letters %d%n",
                            LocalTime.now().format(TIME), (explained - explainedAtLastSummary) / seconds, explained,
                            explained == 0 ? 0.0 : 100.0 * certified / explained, alerts, deadLetters);
                    out.flush();
                    lastSummary = now;
                    explainedAtLastSummary = explained;
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    private void count(ConsumerRecord<String, byte[]> r) {
        JsonNode value;
        try {
            value = JSON.readTree(r.value());
        } catch (IOException e) {
            return; // only the topics' own (JSON) records arrive here
        }
        if (r.topic().equals(explanationsTopic)) {
            explained++;
            if (value.path("certificate").path("topk").asBoolean(false)) {
                certified++;
            }
        } else if (r.topic().equals(alertsTopic)) {
            alerts++;
            out.printf("%s  ALERT %s %s (%s): %s. %s%n", LocalTime.now().format(TIME), value.path("kind").asText(),
                    value.path("status").asText(), value.path("severity").asText(), value.path("summary").asText(),
                    value.path("description").asText());
            out.flush();
        } else {
            deadLetters++;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
