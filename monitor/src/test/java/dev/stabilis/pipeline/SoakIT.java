package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.demo.TrafficGenerator;
import dev.stabilis.model.ModelRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * A bounded soak: broker, monitor and runner as separate processes (as in {@link CrashRecoveryIT}) under demo
 * traffic at a fixed rate, with the demo's full runner policy (attributions, certificates with radius, attack,
 * curvature). Every 2 s it samples each consumer group's lag (read_committed end offsets minus committed offsets)
 * and each process's long-lived heap after its last GC ({@code jvm_memory_usage_after_gc} times the pool's
 * maximum). 60 s by default; {@code -Dstabilis.soak.seconds=600} (or {@code bench/soak.sh --seconds 600}) soaks longer,
 * {@code -Dstabilis.soak.rate} changes the rate (requests/s, default 25). Monitor and runner run with a 128 MiB heap
 * and early old-generation marking ({@link #JVM}). Lag counts offsets, so a transaction marker after the last
 * consumed record counts as one.
 *
 * <p>The thresholds compare the last third of the run with the middle third (the first third is warm-up):
 * lag does not grow (median of the last third at most the middle third's plus 2 s of the group's input, and no
 * sample of the last third above 10 s of it), the pipeline keeps up (explanations per second at least 90 % of the
 * valid requests per second) and the heap after GC is stable (median of the last third at most 1.25 times the
 * middle third's plus 16 MiB, and each process collected garbage in the last two thirds).
 */
class SoakIT {

    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(2);
    private static final long MALFORMED_EVERY_MS = 7000;
    /**
     * A heap small enough that both processes collect garbage several times a minute, and old-generation marking from
     * 20 % occupancy (not G1's adaptive threshold) so that mixed collections reclaim promoted garbage within a short
     * soak: after-GC figures then follow the live set, not garbage waiting for its first mixed collection.
     */
    private static final List<String> JVM = List.of("-Xmx128m", "-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=20");

    @Test
    void lagAndHeapStayFlatAtAFixedRate() throws Exception {
        long seconds = Long.getLong("stabilis.soak.seconds", 60);
        double rate = Double.parseDouble(System.getProperty("stabilis.soak.rate", "25"));
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(seconds + 300), () -> soak(seconds, rate));
    }

    private void soak(long seconds, double rate) throws Exception {
        String prefix = "soak-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        // the demo's full runner policy (attributions, certificates with radius, attack, curvature), one PyTorch thread
        for (String light : List.of("stabilis.runner.radius", "stabilis.runner.curvature.iterations", "stabilis.runner.include.attributions")) {
            settings.remove(light);
        }
        settings.put("stabilis.runner.torch.threads", "1");
        // the demo's detection settings: baselines form within a minute, so windowed detection runs during the soak
        settings.put("stabilis.detect.window.size.ms", "10000");
        settings.put("stabilis.detect.baseline.warmup.windows", "3");
        settings.put("stabilis.detect.baseline.min.samples", "20");
        settings.put("stabilis.detect.suppression.window.ms", "10000");
        Map<String, Integer> recordsPerRequest = new LinkedHashMap<>();
        // ingest reads a request and a response, and each again from its repartition topic
        recordsPerRequest.put(prefix + "stabilis-ingest", 4);
        recordsPerRequest.put(prefix + "runner", 1);
        recordsPerRequest.put(prefix + "stabilis-detect", 1);
        Path work = Path.of("target", "soak");
        try (PipelineProcesses pipeline = new PipelineProcesses(work, settings, JVM)) {
            StabilisConfig config = pipeline.config();
            DemoPools pools = DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest");
            try {
                pipeline.start(1);
                List<Sample> samples = new ArrayList<>();
                try (Admin admin = pipeline.admin();
                        TrafficGenerator traffic = new TrafficGenerator(config.kafka(),
                                List.of(new TrafficGenerator.ModelTraffic(new KServeRecords("digits", "default"), pools)),
                                config.required("stabilis.topics.requests"), config.required("stabilis.topics.responses"), rate, 5000,
                                MALFORMED_EVERY_MS)) {
                    Thread generator = new Thread(traffic, "soak-traffic");
                    generator.setDaemon(true);
                    generator.start();
                    long start = System.nanoTime();
                    long end = start + TimeUnit.SECONDS.toNanos(seconds);
                    for (long next = start; next < end; next += SAMPLE_EVERY.toNanos()) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        samples.add(sample(admin, (System.nanoTime() - start) / 1e9, recordsPerRequest.keySet(), pipeline.monitor(),
                                pipeline.runner(), traffic.produced()));
                    }
                }
                assertThat(pipeline.all()).as("processes alive after the soak").allMatch(StabilisProcess::alive);
                Report report = new Report(seconds, rate, samples, recordsPerRequest);
                System.out.println(report.markdown());
                Files.writeString(Path.of("target", "soak-report.md"), report.markdown());
                report.assertSteady();
            } catch (Throwable failure) {
                System.out.println(pipeline.logTails(100));
                throw failure;
            }
        }
    }

    /**
     * One observation: per consumer group its lag; per process the long-lived heap after the last GC (bytes) and
     * the GCs so far; samples explained by the runner and requests sent so far.
     */
    record Sample(double t, Map<String, Long> lag, double monitorAfterGc, double runnerAfterGc, double monitorGcs, double runnerGcs,
            double explained, long requests) {}

    private static Sample sample(Admin admin, double t, Iterable<String> groups, StabilisProcess monitor, StabilisProcess runner,
            long requests) throws Exception {
        Map<String, Long> lag = new LinkedHashMap<>();
        for (String group : groups) {
            lag.put(group, ConsumerLag.of(admin, group));
        }
        return new Sample(t, lag, afterGc(monitor), afterGc(runner), monitor.metric("jvm_gc_pause_seconds_count"),
                runner.metric("jvm_gc_pause_seconds_count"), runner.metric("stabilis_samples_total"), requests);
    }

    /** The long-lived heap pool's use after the last GC: its share of the maximum (JvmHeapPressureMetrics) times that maximum. */
    private static double afterGc(StabilisProcess p) {
        return p.metric("jvm_memory_usage_after_gc", "area=\"heap\"") * p.metric("jvm_memory_max_bytes", "id=\"G1 Old Gen\"");
    }

    /** The figures of a soak and its steadiness checks. */
    record Report(long seconds, double rate, List<Sample> samples, Map<String, Integer> recordsPerRequest) {

        private static final double MIB = 1024 * 1024;

        List<Sample> third(int k) {
            int n = samples.size();
            return samples.subList(k * n / 3, (k + 1) * n / 3);
        }

        void assertSteady() {
            List<Sample> middle = third(1);
            List<Sample> last = third(2);
            recordsPerRequest.forEach((group, perRequest) -> {
                double perSecond = rate * perRequest;
                assertThat(middle.stream().mapToLong(s -> s.lag().get(group))).as("%s has committed offsets after warm-up", group)
                        .allMatch(l -> l >= 0);
                double allowed = median(middle, s -> s.lag().get(group)) + 2 * perSecond;
                assertThat(median(last, s -> s.lag().get(group))).as("median lag of %s in the last third (records)", group)
                        .isLessThanOrEqualTo(allowed);
                assertThat(last.stream().mapToLong(s -> s.lag().get(group)).max().orElseThrow())
                        .as("largest lag of %s in the last third (records)", group).isLessThanOrEqualTo((long) (10 * perSecond));
            });
            assertThat(explainedPerSecond()).as("explanations per second (keeping up with %.0f requests/s)", rate)
                    .isGreaterThanOrEqualTo(0.9 * validPerSecond());
            for (String process : List.of("monitor", "runner")) {
                boolean monitor = process.equals("monitor");
                ToDoubleFunction<Sample> afterGc = monitor ? Sample::monitorAfterGc : Sample::runnerAfterGc;
                ToDoubleFunction<Sample> gcs = monitor ? Sample::monitorGcs : Sample::runnerGcs;
                assertThat(gcs.applyAsDouble(last.get(last.size() - 1)) - gcs.applyAsDouble(middle.get(0)))
                        .as("%s collected garbage in the last two thirds (fresh after-GC figures)", process).isGreaterThan(0);
                assertThat(median(last, afterGc)).as("%s heap after GC, median of the last third (bytes)", process)
                        .isLessThanOrEqualTo(1.25 * median(middle, afterGc) + 16 * MIB);
            }
        }

        /** Samples the runner explained per second over the last two thirds. */
        double explainedPerSecond() {
            Sample from = third(1).get(0);
            Sample to = samples.get(samples.size() - 1);
            return (to.explained() - from.explained()) / (to.t() - from.t());
        }

        /** Requests sent per second over the last two thirds, less the malformed ones. */
        double validPerSecond() {
            Sample from = third(1).get(0);
            Sample to = samples.get(samples.size() - 1);
            return (to.requests() - from.requests()) / (to.t() - from.t()) - 1000.0 / MALFORMED_EVERY_MS;
        }

        String markdown() {
            StringBuilder out = new StringBuilder();
            out.append(String.format("Soak: %d s at %.0f requests/s, %d samples every %d s; explanations %.1f/s for %.1f valid requests/s%n%n",
                    seconds, rate, samples.size(), SAMPLE_EVERY.toSeconds(), explainedPerSecond(), validPerSecond()));
            out.append("| series | first third median | middle third median | last third median | last third max | slope, 2nd half (/s) |\n");
            out.append("|---|---|---|---|---|---|\n");
            recordsPerRequest.keySet().forEach(group -> row(out, "lag " + group + " (records)", s -> s.lag().get(group), 1));
            row(out, "monitor old gen after GC (MiB)", Sample::monitorAfterGc, MIB);
            row(out, "runner old gen after GC (MiB)", Sample::runnerAfterGc, MIB);
            row(out, "monitor GCs (count so far)", Sample::monitorGcs, 1);
            row(out, "runner GCs (count so far)", Sample::runnerGcs, 1);
            return out.toString();
        }

        private void row(StringBuilder out, String name, ToDoubleFunction<Sample> value, double unit) {
            List<Sample> secondHalf = samples.subList(samples.size() / 2, samples.size());
            out.append(String.format("| %s | %.1f | %.1f | %.1f | %.1f | %.3f |%n", name, median(third(0), value) / unit,
                    median(third(1), value) / unit, median(third(2), value) / unit,
                    third(2).stream().mapToDouble(value).max().orElse(Double.NaN) / unit, slope(secondHalf, value) / unit));
        }

        private static double median(List<Sample> part, ToDoubleFunction<Sample> value) {
            double[] v = part.stream().mapToDouble(value).sorted().toArray();
            return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        /** Least-squares slope per second. */
        private static double slope(List<Sample> part, ToDoubleFunction<Sample> value) {
            double mt = part.stream().mapToDouble(Sample::t).average().orElse(0);
            double mv = part.stream().mapToDouble(value).average().orElse(0);
            double num = 0;
            double den = 0;
            for (Sample s : part) {
                num += (s.t() - mt) * (value.applyAsDouble(s) - mv);
                den += (s.t() - mt) * (s.t() - mt);
            }
            return den == 0 ? Double.NaN : num / den;
        }
    }
}
