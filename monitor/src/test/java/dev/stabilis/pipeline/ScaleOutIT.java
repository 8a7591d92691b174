package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.contract.Sample;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scale-out over partitions, monitors and runners each their own operating-system process ({@link PipelineProcesses})
 * on the test run's shared embedded broker: two monitor instances of one application id and three runner instances of
 * one group, on topics of 6 partitions.
 *
 * <p><b>Faults.</b> While KServe-logged traffic (stable, injected unstable and malformed requests) flows at a steady
 * rate, one runner and one monitor are each killed with SIGKILL while one of their transactions is open, and restarted.
 * Then, with read_committed consumers and counted by request id: every valid request has exactly one sample and one
 * explanation, every malformed one exactly one dead letter, every injected unstable sample exactly one alert
 * ({@link PipelineLedger}); the samples of the one model spread over all 6 partitions, the two runners never killed explained some, and
 * the group ends with three members holding every partition between them.
 *
 * <p><b>Throughput</b> (only with {@code -Dstabilis.scaleout.backlog=N}, N > 0, as BENCHMARKS.md's "Scale-out" runs
 * it; CI leaves it out to stay short). With the monitors stopped, a backlog of samples (as ingest writes them, spread
 * over the 6 partitions) is explained by one runner (the other two stopped, so it owns every partition), then by all three (each
 * pinned to one PyTorch thread), twice in turn. Each backlog must be explained exactly once. The rate is measured from
 * the explanations' {@code explainedAt} (the first batch's excluded), beside the CPU time the runner processes used;
 * rates, medians and their ratio go to {@code target/scale-out-report.md}. They are reported, not asserted
 * (BENCHMARKS.md, "Scale-out"): on a 2-core machine three runners cannot be three times one.
 */
class ScaleOutIT {

    private static final int STABLE = 240;
    private static final int UNSTABLE = 6;
    private static final int MALFORMED = 6;
    private static final double REQUESTS_PER_SECOND = 10;
    private static final int PARTITIONS = 6;
    private static final int ROUNDS = 2;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> log = new ArrayList<>();

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES) // 90 s in CI; the throughput rounds (-Dstabilis.scaleout.backlog) need more
    void threeRunnersAndTwoMonitorsLoseAndDuplicateNothingUnderKillsAndShareTheWork() throws Exception {
        int backlog = Integer.getInteger("stabilis.scaleout.backlog", 0);
        Path work = Path.of("target", "scale-out");
        Map<String, String> settings = new HashMap<>(PipelineSettings.of("scale-"));
        // a killed member leaves its group after the session timeout: the broker's least, not the 45 s default
        settings.put("kafka.session.timeout.ms", "6000");
        settings.put("kafka.heartbeat.interval.ms", "1500");
        settings.put("stabilis.runner.torch.threads", "1");
        try (PipelineProcesses pipeline = PipelineProcesses.onSharedBroker(work, settings, List.of("-Xmx384m"), 2, 3)) {
            StabilisConfig config = pipeline.config();
            DemoPools pools = DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest");
            PipelineTraffic traffic = PipelineTraffic.of(pools, config.required("stabilis.topics.requests"),
                    config.required("stabilis.topics.responses"), STABLE, UNSTABLE, MALFORMED);
            try {
                long started = System.nanoTime();
                pipeline.start(PARTITIONS);
                note("2 monitors and 3 runners ready after %.1f s", seconds(started));
                awaitMembers(pipeline, 3);
                SteadySender sender = new SteadySender();
                CompletableFuture<Integer> sent = CompletableFuture.supplyAsync(() -> sender.send(config.kafka(), traffic, REQUESTS_PER_SECOND));

                Thread.sleep(3_000);
                kill(pipeline, pipeline.runners().get(1));
                Thread.sleep(1_000);
                kill(pipeline, pipeline.monitors().get(1));
                int records = sent.get(3, TimeUnit.MINUTES);

                PipelineLedger ledger = PipelineLedger.read(config.kafka(), PipelineLedger.Topics.of(config), traffic, Duration.ofSeconds(5),
                        Duration.ofSeconds(90));
                note("%d requests (%d valid, %d unstable among them, %d malformed; %d records) at %.0f/s; read back (read_committed): %s",
                        traffic.requests().size(), traffic.valid().size(), traffic.unstable().size(), traffic.malformed().size(), records,
                        REQUESTS_PER_SECOND, ledger.summary());
                assertThat(pipeline.all()).as("no process died by itself").allMatch(StabilisProcess::alive);
                ledger.assertExactlyOnce(traffic);
                note("lost 0, duplicated 0 (samples, explanations, dead letters, alerts by request id)");
                try (Admin admin = pipeline.admin()) {
                    Map<Integer, Long> perPartition = records(admin, config.required("stabilis.topics.samples"));
                    note("samples per partition: %s", perPartition);
                    assertThat(perPartition).as("the one model's samples on every partition").hasSize(PARTITIONS)
                            .allSatisfy((partition, count) -> assertThat(count).isPositive());
                }
                for (StabilisProcess r : List.of(pipeline.runners().get(0), pipeline.runners().get(2))) {
                    assertThat(r.metric("stabilis_runner_batch_seconds_count")).as("batches explained by %s", r.name()).isPositive();
                }
                // runner-1's counters restarted with it; that it is back in the group holding partitions is the check
                awaitMembers(pipeline, 3);

                if (backlog > 0) {
                    measureThroughput(pipeline, pools, backlog);
                }
                note("whole test %.0f s", seconds(started));
            } catch (Throwable failure) {
                System.out.println("scale-out failed:\n  " + String.join("\n  ", log) + "\n" + pipeline.logTails(150));
                throw failure;
            } finally {
                Files.writeString(Path.of("target", "scale-out-report.md"), "# ScaleOutIT\n\n- " + String.join("\n- ", log) + "\n");
            }
            System.out.println("scale-out:\n  " + String.join("\n  ", log));
        }
    }

    /** One runner against three on the same backlog, {@link #ROUNDS} times in turn, monitors stopped; noted, not asserted. */
    private void measureThroughput(PipelineProcesses pipeline, DemoPools pools, int backlog) throws Exception {
        for (StabilisProcess monitor : pipeline.monitors()) {
            monitor.stop();
        }
        List<StabilisProcess> others = pipeline.runners().subList(1, 3);
        List<Double> one = new ArrayList<>();
        List<Double> three = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            for (StabilisProcess r : others) {
                r.stop();
            }
            awaitMembers(pipeline, 1);
            one.add(throughput(pipeline, pools, "one-" + round + "-", backlog));
            others.forEach(StabilisProcess::start);
            pipeline.awaitReady(others.toArray(StabilisProcess[]::new));
            awaitMembers(pipeline, 3);
            three.add(throughput(pipeline, pools, "three-" + round + "-", backlog));
        }
        double ratio = median(three) / median(one);
        note("throughput, %d rounds of a backlog of %d samples each, medians: 1 runner %.0f samples/s, 3 runners %.0f samples/s, "
                + "ratio %.2f (each runner 1 PyTorch thread; %d cores)", ROUNDS, backlog, median(one), median(three), ratio,
                Runtime.getRuntime().availableProcessors());
    }

    /** kill -9 while one of its transactions is open, restart 1 s later, wait until it serves /ready again. */
    private void kill(PipelineProcesses pipeline, StabilisProcess process) throws Exception {
        long start = System.nanoTime();
        int open = pipeline.killInsideTransaction(process);
        Thread.sleep(1_000);
        process.start();
        pipeline.awaitReady(process);
        note("kill -9 %s with %d of its transactions left open; ready again %.1f s later", process.name(), open, seconds(start));
    }

    /**
     * Writes {@code count} samples of stable digits straight to the samples topic, as ingest does (key the model, spread
     * over the partitions), reads their explanations back (read_committed), checks each was explained exactly once, and
     * returns the rate in samples/s between the first batch's and the last batch's {@code explainedAt}.
     */
    private double throughput(PipelineProcesses pipeline, DemoPools pools, String prefix, int count) throws Exception {
        StabilisConfig config = pipeline.config();
        String loadBefore = loadAverage();
        long cpuBefore = runnerCpuMillis(pipeline);
        long wallBefore = System.nanoTime();
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("acks", "all");
        props.put("linger.ms", "20");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            long now = System.currentTimeMillis();
            for (int i = 0; i < count; i++) {
                Sample sample = new Sample(prefix + i, 0, "digits", "1", "KSERVE_V2", pools.stable().get(i % pools.stable().size()), null, null,
                        now, now, null, null);
                producer.send(new ProducerRecord<>(config.required("stabilis.topics.samples"), i % PARTITIONS, "digits", sample.toJson()));
            }
            producer.flush();
        }
        List<JsonNode> explained = explanations(config, prefix, count, Duration.ofSeconds(120));
        Map<String, Long> perId = explained.stream().collect(Collectors.groupingBy(e -> e.path("requestId").asText(), Collectors.counting()));
        assertThat(perId).as("backlog %s: every sample explained exactly once", prefix).hasSize(count)
                .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1L));
        List<Long> times = explained.stream().map(e -> e.path("explainedAt").asLong()).sorted().toList();
        long first = times.get(0);
        long last = times.get(times.size() - 1);
        long afterFirstBatch = times.stream().filter(t -> t > first).count();
        double rate = afterFirstBatch / ((last - first) / 1e3);
        double cpu = (runnerCpuMillis(pipeline) - cpuBefore) / 1e3;
        double wall = seconds(wallBefore);
        note("backlog %s: %d samples explained once each, %.1f s from the first batch to the last: %.0f samples/s; the runners used "
                + "%.1f CPU-s (%.2f ms per sample, %.2f cores on average over the %.1f s of the phase); load average before %s, after %s",
                prefix, count, (last - first) / 1e3, rate, cpu, cpu * 1e3 / count, cpu / wall, wall, loadBefore, loadAverage());
        return rate;
    }

    /** The explanations whose request id starts with {@code prefix}, read_committed, until {@code count} or the timeout. */
    private static List<JsonNode> explanations(StabilisConfig config, String prefix, int count, Duration timeout) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        props.put("group.id", "scale-out-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        props.put("isolation.level", "read_committed");
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(config.required("stabilis.topics.explanations")));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode e = json(r.value());
                    if (e.path("requestId").asText().startsWith(prefix)) {
                        out.add(e);
                    }
                }
                if (settle == Long.MAX_VALUE && out.size() >= count) {
                    settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                }
            }
        }
        return out;
    }

    /** Waits until the runners' group is stable with {@code members} members, each holding partitions, all of them between them. */
    private void awaitMembers(PipelineProcesses pipeline, int members) throws InterruptedException {
        String group = pipeline.config().required("stabilis.runner.group.id");
        long start = System.nanoTime();
        PipelineProcesses.await("runner group with " + members + " members", Duration.ofSeconds(90), () -> {
            try (Admin admin = pipeline.admin()) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(5, TimeUnit.SECONDS);
                long assigned = d.members().stream().map(MemberDescription::assignment).mapToLong(a -> a.topicPartitions().size()).sum();
                return d.members().size() == members && assigned == PARTITIONS
                        && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())
                        && d.groupState() == org.apache.kafka.common.GroupState.STABLE;
            } catch (Exception e) {
                return false;
            }
        });
        note("runner group stable with %d member(s) after %.1f s", members, seconds(start));
    }

    private static long runnerCpuMillis(PipelineProcesses pipeline) {
        return pipeline.runners().stream().mapToLong(StabilisProcess::cpuMillis).sum();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Records per partition of a topic (read_committed end offsets; transaction markers count too). */
    private static Map<Integer, Long> records(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS).entrySet()
                .stream().filter(e -> e.getValue().offset() > 0)
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset(), (a, b) -> a, java.util.TreeMap::new));
    }

    private void note(String format, Object... args) {
        String line = String.format(java.util.Locale.ROOT, format, args);
        log.add(line);
        System.out.println("scale-out: " + line);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static JsonNode json(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
