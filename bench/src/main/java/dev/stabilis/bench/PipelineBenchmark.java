package dev.stabilis.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.EmbeddedKafkaBroker;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.service.ModelPipeline;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The streaming pipeline's throughput and latency on one machine, side by side in one run:
 * <ol>
 *   <li>the runner's own throughput: {@link ModelPipeline#evaluate} on micro-batches of the runner's size, no
 *       Kafka (what the runner can do at most);</li>
 *   <li>end-to-end peak: a backlog of KServe-logged requests (with responses) is produced first, then ingest,
 *       runner and detect start on an embedded KRaft broker; samples/s = explanations committed per second
 *       over the second half of the backlog (the first half warms the pipeline's code up), read back with
 *       read_committed;</li>
 *   <li>latency at half of that peak: fresh topics and processes, traffic at 0.5 × peak with one unstable
 *       sample per second; request→explanation and request→alert latency from the producer's send time to
 *       the moment a read_committed consumer sees the record, for the requests sent after a warm-up at the same
 *       rate (on two cores the JIT compiler takes about half a core for the first two to three minutes of a
 *       process: a monitor's steady state comes after it).</li>
 * </ol>
 * The same demo model, policy and pipeline options as {@code stabilis demo}. Arguments: {@code backlog}
 * (8192), {@code seconds} (latency phase, 60, measured after {@code warmup} seconds, 60), {@code models} (repository, models), {@code torch-threads} (PyTorch
 * intra-op threads of both the runner-alone and the pipeline phases, 1 as in the demo), {@code out} (result JSON),
 * {@code latency-only} (a rate in requests/s: run only the latency phase, at that rate: the low-traffic case). A
 * system property {@code bench.set.<key>=<value>} overrides one setting of every phase, for an A/B of that setting.
 */
public final class PipelineBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = HarnessOptions.parse(args);
        int backlog = Integer.parseInt(opts.getOrDefault("backlog", "8192"));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "60"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "60"));
        Path models = Path.of(opts.getOrDefault("models", "models"));
        Path out = Path.of(opts.getOrDefault("out", "bench/results/pipeline.json"));
        int threads = Integer.parseInt(opts.getOrDefault("torch-threads", "1"));
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        DemoPools pools = DemoPools.judge(new ModelRepository(models), "digits", "latest");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("torchThreads", threads);
        result.put("backlog", backlog);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startOnFreePort()) {
            if (opts.containsKey("latency-only")) {
                // the low-traffic case: only the latency phase, at the given rate
                result.put("latency", latency(broker, models, pools, Double.parseDouble(opts.get("latency-only")), warmup, seconds));
                JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), result);
                return;
            }
            StabilisConfig probe = config(broker, models, "probe-");
            int batch = probe.integer("stabilis.runner.max.batch", 1, 1 << 16);
            double runnerOwn = RunnerAloneBenchmark.samplesPerSecond(models, pools, batch, 10, 9);
            result.put("runnerSamplesPerSecond", runnerOwn);
            System.err.printf("runner alone: %.1f samples/s (batches of %d)%n", runnerOwn, batch);
            double peak = endToEndPeak(broker, models, pools, backlog);
            result.put("endToEndSamplesPerSecond", peak);
            result.put("endToEndOverRunner", peak / runnerOwn);
            System.err.printf("end to end: %.1f samples/s (%.0f%% of the runner alone)%n", peak, 100 * peak / runnerOwn);
            result.put("latency", latency(broker, models, pools, peak / 2, warmup, seconds));
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), result);
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }

    private static StabilisConfig config(EmbeddedKafkaBroker broker, Path models, String prefix) {
        Map<String, String> s = new HashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        for (String topic : List.of("requests", "responses", "samples", "explanations", "alerts", "dlq")) {
            s.put("stabilis.topics." + topic, prefix + topic);
        }
        s.put("stabilis.models.repository", models.toString());
        s.put("stabilis.monitor.application.id", prefix + "stabilis");
        s.put("stabilis.runner.group.id", prefix + "runner");
        s.put("stabilis.runner.transactional.id", prefix + "runner-0");
        s.put("stabilis.runner.device", "cpu");
        // one unstable sample per second: a short suppression window keeps each its own (immediate) alert
        s.put("stabilis.detect.suppression.window.ms", "500");
        s.put("stabilis.detect.suppression.check.interval.ms", "100");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.set."))
                .forEach(k -> s.put(k.substring("bench.set.".length()), System.getProperty(k)));
        return StabilisConfig.load(null, Map.of(), Map.of(), s);
    }

    private static double endToEndPeak(EmbeddedKafkaBroker broker, Path models, DemoPools pools, int backlog) throws Exception {
        StabilisConfig config = config(broker, models, "peak-");
        Topics.create(config.kafka(), Topics.all(config), 1, (short) 1);
        KServeRecords kserve = new KServeRecords("digits", "default");
        try (KafkaProducer<String, byte[]> producer = producer(config)) {
            for (int i = 0; i < backlog; i++) {
                String id = "peak-" + i;
                int pick = i % pools.stable().size();
                producer.send(kserve.request(config.required("stabilis.topics.requests"), id, pools.stable().get(pick)));
                producer.send(kserve.response(config.required("stabilis.topics.responses"), id, pools.stableClasses().get(pick)));
            }
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int warm = backlog / 2;
        try (MonitorApp monitor = new MonitorApp(config, registry); RunnerApp runner = new RunnerApp(config, registry);
                KafkaConsumer<String, byte[]> consumer = consumer(config, config.required("stabilis.topics.explanations"))) {
            monitor.start();
            runner.start();
            long count = 0;
            long warmAt = 0;
            long lastAt = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (count < backlog && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    count++;
                    lastAt = System.nanoTime();
                    if (count == warm) {
                        warmAt = lastAt;
                    }
                }
            }
            if (count < backlog) {
                throw new IllegalStateException("only " + count + " of " + backlog + " explanations within 10 minutes");
            }
            return (count - warm) / ((lastAt - warmAt) / 1e9);
        }
    }

    private static Map<String, Object> latency(EmbeddedKafkaBroker broker, Path models, DemoPools pools, double rate, int warmup,
            int seconds) throws Exception {
        StabilisConfig config = config(broker, models, "latency-");
        Topics.create(config.kafka(), Topics.all(config), 1, (short) 1);
        KServeRecords kserve = new KServeRecords("digits", "default");
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> sentAtWall = new ConcurrentHashMap<>();
        List<Double> ingestMs = new ArrayList<>();
        List<Double> runnerMs = new ArrayList<>();
        List<Double> explanationMs = new ArrayList<>();
        List<Double> alertMs = new ArrayList<>();
        int unstableSent = 0;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MonitorApp monitor = new MonitorApp(config, registry); RunnerApp runner = new RunnerApp(config, registry);
                KafkaConsumer<String, byte[]> consumer = consumer(config, config.required("stabilis.topics.explanations"),
                        config.required("stabilis.topics.alerts"));
                KafkaProducer<String, byte[]> producer = producer(config)) {
            monitor.start();
            runner.start();
            while (!(monitor.ready() && runner.ready())) {
                Thread.sleep(100);
            }
            long start = System.nanoTime();
            long measuredFrom = start + Duration.ofSeconds(warmup).toNanos();
            long end = measuredFrom + Duration.ofSeconds(seconds).toNanos();
            long sent = 0;
            long measured = 0;
            long nextUnstable = start + 1_000_000_000L;
            while (System.nanoTime() < end + 5_000_000_000L) {
                long now = System.nanoTime();
                long nextSend = start + (long) (sent * 1e9 / rate);
                if (now < end && now >= nextSend) {
                    boolean unstable = now >= nextUnstable;
                    String id = (unstable ? "unstable-" : "stable-") + sent;
                    List<float[]> pool = unstable ? pools.unstable() : pools.stable();
                    List<Integer> classes = unstable ? pools.unstableClasses() : pools.stableClasses();
                    int pick = (int) (sent % pool.size());
                    if (now >= measuredFrom) { // requests of the warm-up are sent alike, and not timed
                        sentAt.put(id, System.nanoTime());
                        sentAtWall.put(id, System.currentTimeMillis());
                        measured++;
                        unstableSent += unstable ? 1 : 0;
                    }
                    producer.send(kserve.request(config.required("stabilis.topics.requests"), id, pool.get(pick)));
                    producer.send(kserve.response(config.required("stabilis.topics.responses"), id, classes.get(pick)));
                    if (unstable) {
                        nextUnstable += 1_000_000_000L;
                    }
                    sent++;
                    continue;
                }
                // wait for records until the next request is due, so that the driver does not spin on a core it shares
                long wait = now < end ? nextSend - now : 100_000_000L;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofNanos(Math.min(wait, 100_000_000L)))) {
                    long seenAt = System.nanoTime();
                    JsonNode v = JSON.readTree(r.value());
                    String id = v.path("requestId").asText(null);
                    Long at = id == null ? null : sentAt.get(id);
                    if (at == null) {
                        continue;
                    }
                    boolean alert = r.topic().equals(config.required("stabilis.topics.alerts"));
                    (alert ? alertMs : explanationMs).add((seenAt - at) / 1e6);
                    if (!alert) {
                        ingestMs.add((double) (v.path("receivedAt").asLong() - sentAtWall.get(id)));
                        runnerMs.add((double) (v.path("explainedAt").asLong() - v.path("receivedAt").asLong()));
                    }
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ratePerSecond", rate);
            out.put("warmupSeconds", warmup);
            out.put("seconds", seconds);
            out.put("requests", measured);
            out.put("unstableInjected", unstableSent);
            out.put("explanations", explanationMs.size());
            out.put("alerts", alertMs.size());
            out.put("requestToExplanationMs", percentiles(explanationMs));
            out.put("requestToAlertMs", percentiles(alertMs));
            out.put("requestToIngestMs", percentiles(ingestMs));
            out.put("ingestToExplainedMs", percentiles(runnerMs));
            out.put("runnerBatches", runnerBatches(registry));
            System.err.printf("latency at %.1f requests/s: explanation %s, alert %s; request→ingest %s, ingest→explained %s%n", rate,
                    out.get("requestToExplanationMs"), out.get("requestToAlertMs"), out.get("requestToIngestMs"), out.get("ingestToExplainedMs"));
            return out;
        }
    }

    /** The runner's micro-batches of the phase, warm-up included: how many, their mean size and compute time, the longest. */
    private static Map<String, Double> runnerBatches(SimpleMeterRegistry registry) {
        Map<String, Double> out = new LinkedHashMap<>();
        Timer batches = registry.find("stabilis.runner.batch").timer();
        if (batches != null) {
            out.put("count", (double) batches.count());
            double samples = registry.find("stabilis.samples").counters().stream().mapToDouble(c -> c.count()).sum();
            out.put("meanSize", samples / batches.count());
            out.put("meanComputeMs", batches.mean(TimeUnit.MILLISECONDS));
            out.put("maxComputeMs", batches.max(TimeUnit.MILLISECONDS));
        }
        return out;
    }

    private static Map<String, Double> percentiles(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Double> out = new LinkedHashMap<>();
        if (v.length == 0) {
            return out;
        }
        out.put("p50", v[(int) Math.floor(0.50 * (v.length - 1))]);
        out.put("p90", v[(int) Math.floor(0.90 * (v.length - 1))]);
        out.put("p99", v[(int) Math.floor(0.99 * (v.length - 1))]);
        out.put("max", v[v.length - 1]);
        return out;
    }

    private static KafkaProducer<String, byte[]> producer(StabilisConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("linger.ms", "1");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer(StabilisConfig config, String... topics) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("group.id", "bench-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.put("fetch.max.wait.ms", "10");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics));
        return consumer;
    }
}
