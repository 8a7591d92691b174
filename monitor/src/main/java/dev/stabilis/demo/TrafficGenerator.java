package dev.stabilis.demo;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces KServe-logged inference traffic at a set rate: stable digits with their responses, and at set
 * intervals an unstable sample and a malformed record. With several models, requests take turns among them (each
 * model's samples from its own pools), and so do the injected unstable samples. Request ids are random UUIDs, as
 * KServe makes them.
 */
public final class TrafficGenerator implements Runnable, AutoCloseable {

    /** One served model's records and the samples judged for it. */
    public record ModelTraffic(KServeRecords records, DemoPools pools) {}

    private final KafkaProducer<String, byte[]> producer;
    private final List<ModelTraffic> models;
    private final String requestsTopic;
    private final String responsesTopic;
    private final double ratePerSecond;
    private final long unstableEveryNanos;
    private final long malformedEveryNanos;
    private final Random random = new Random(42);
    private final AtomicLong produced = new AtomicLong();
    private final ConcurrentLinkedQueue<String> injectedUnstable = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> injectedMalformed = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    /**
     * @param ratePerSecond requests per second
     * @param unstableEveryMillis interval of unstable samples (0: none)
     * @param malformedEveryMillis interval of malformed records (0: none)
     */
    public TrafficGenerator(Map<String, String> kafka, List<ModelTraffic> models, String requestsTopic,
            String responsesTopic, double ratePerSecond, long unstableEveryMillis, long malformedEveryMillis) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("the traffic needs at least one model");
        }
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("linger.ms", "5");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.models = List.copyOf(models);
        this.requestsTopic = requestsTopic;
        this.responsesTopic = responsesTopic;
        this.ratePerSecond = ratePerSecond;
        this.unstableEveryNanos = unstableEveryMillis * 1_000_000L;
        this.malformedEveryNanos = malformedEveryMillis * 1_000_000L;
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long nextUnstable = start + unstableEveryNanos;
        long nextMalformed = start + malformedEveryNanos;
        long sent = 0;
        long unstableSent = 0;
        while (running) {
            long now = System.nanoTime();
            String id = UUID.randomUUID().toString();
            ModelTraffic model = models.get((int) (sent % models.size()));
            if (unstableEveryNanos > 0 && now >= nextUnstable) {
                model = models.get((int) (unstableSent++ % models.size()));
                DemoPools pools = model.pools();
                int i = random.nextInt(pools.unstable().size());
                send(model.records(), id, pools.unstable().get(i), pools.unstableClasses().get(i));
                injectedUnstable.add(id);
                nextUnstable += unstableEveryNanos;
            } else if (malformedEveryNanos > 0 && now >= nextMalformed) {
                producer.send(model.records().malformedRequest(requestsTopic, id));
                injectedMalformed.add(id);
                nextMalformed += malformedEveryNanos;
            } else {
                DemoPools pools = model.pools();
                int i = random.nextInt(pools.stable().size());
                send(model.records(), id, pools.stable().get(i), pools.stableClasses().get(i));
            }
            produced.incrementAndGet();
            sent++;
            long due = start + (long) (sent * 1e9 / ratePerSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void send(KServeRecords records, String id, float[] features, int servedClass) {
        producer.send(records.request(requestsTopic, id, features));
        producer.send(records.response(responsesTopic, id, servedClass));
    }

    /** Requests produced so far (valid and malformed). */
    public long produced() {
        return produced.get();
    }

    /** Ids of the unstable samples injected so far. */
    public ConcurrentLinkedQueue<String> injectedUnstable() {
        return injectedUnstable;
    }

    /** Ids of the malformed records injected so far. */
    public ConcurrentLinkedQueue<String> injectedMalformed() {
        return injectedMalformed;
    }

    @Override
    public void close() {
        running = false;
        producer.close();
    }
}
