package dev.stabilis.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends a {@link PipelineTraffic} at a steady rate with an idempotent producer that outlives a broker restart, and
 * remembers when each request was sent, so tests can tell which requests came after a fault.
 */
final class SteadySender {

    private final Map<String, Long> sentAtMillis = new ConcurrentHashMap<>();

    /** Sends every request; every send must be acknowledged. Returns the number of records. */
    int send(Map<String, String> kafka, PipelineTraffic traffic, double requestsPerSecond) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        // outlives a broker restart: records wait in the buffer and are retried, never dropped
        props.put("delivery.timeout.ms", "300000");
        props.put("max.block.ms", "300000");
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            int n = 0;
            for (PipelineTraffic.Request request : traffic.requests()) {
                sentAtMillis.put(request.id(), System.currentTimeMillis());
                request.records().forEach(r -> acks.add(producer.send(r)));
                long wait = start + (long) (++n * 1e9 / requestsPerSecond) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("a request was not acknowledged by the broker", e);
        }
        return acks.size();
    }

    /** When a request was handed to the producer (wall clock, epoch ms), or null while it is not sent yet. */
    Long sentAt(String requestId) {
        return sentAtMillis.get(requestId);
    }
}
