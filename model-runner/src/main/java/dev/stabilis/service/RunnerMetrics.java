package dev.stabilis.service;

import dev.stabilis.contract.Sample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runner's meters (DESIGN.md §6). Labels stay bounded: model, version, class, outcome, reason, device;
 * never sample ids. Histograms carry explicit buckets so Prometheus can aggregate them; those of values below 1
 * are {@link FractionHistograms}.
 */
public final class RunnerMetrics {

    private static final double[] RADIUS_BUCKETS = {1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1};
    private static final double[] WIDTH_BUCKETS = {1e-4, 1e-3, 1e-2, 0.1, 1, 10};
    private static final double[] GAP_BUCKETS = {1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.5};
    private static final double[] CURVATURE_BUCKETS = {1e-3, 1e-2, 0.1, 1, 10, 100};

    private final MeterRegistry registry;
    private final FractionHistograms fractions;
    private final ClassLabels classLabels;
    private final AtomicInteger lastBatchSize = new AtomicInteger();
    private final AtomicInteger partitionsWithoutPosition = new AtomicInteger();
    private final Map<String, AtomicInteger> rejectedVersions = new ConcurrentHashMap<>();

    /** Meters with every class labelled. */
    public RunnerMetrics(MeterRegistry registry, String device) {
        this(registry, device, ClassLabels.all());
    }

    public RunnerMetrics(MeterRegistry registry, String device, ClassLabels classLabels) {
        this.registry = registry;
        this.classLabels = classLabels;
        Gauge batchSize = Gauge.builder("stabilis.runner.batch.size", lastBatchSize, AtomicInteger::get)
                .description("Samples in the runner's last micro-batch").register(registry);
        // the registry's common tags (role), as it applied them to a meter without tags of its own
        this.fractions = new FractionHistograms(registry, Tags.of(batchSize.getId().getTagsAsIterable()));
        Gauge.builder("stabilis.runner.device", () -> 1).tag("device", device)
                .description("The device the runner computes on (value 1)").register(registry);
        Gauge.builder("stabilis.runner.partitions.without.position", partitionsWithoutPosition, AtomicInteger::get)
                .description("Assigned partitions whose position has stayed unknown past the runner's position timeout "
                        + "(a transaction holding the group's committed offsets never completed); the runner is not ready "
                        + "while any is").register(registry);
    }

    /** How many assigned partitions have had no position for longer than the position timeout. */
    void partitionsWithoutPosition(int count) {
        partitionsWithoutPosition.set(count);
    }

    private static String outcome(Evaluation e) {
        if (e.smoothed() == null && e.certified() == null) {
            return "not_certifiable";
        }
        return e.topkCertified() ? "certified" : "not_certified";
    }

    /** Publishes a Kafka client's own metrics (consumer lag, request rates) through the registry. */
    public void bind(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        new KafkaClientMetrics(consumer).bindTo(registry);
    }

    /**
     * One evaluated sample.
     *
     * @param method the certificate's method ({@code interval}, {@code linear}, ..., {@code smoothing}), or null without
     *     certification: a bounded label of the sample counter
     */
    public void sample(String model, String version, String method, Sample sample, Evaluation e, long explainedAt) {
        Tags tags = Tags.of("model", model, "version", version).and(classLabels.tags(model, e.predicted()));
        Counter.builder("stabilis.samples").description("Samples explained, by certificate method and outcome")
                .tags(tags).tag("method", method == null ? "none" : method).tag("outcome", outcome(e)).register(registry).increment();
        if (e.certified() != null) {
            double radius = e.certified().certificate().radius();
            if (!Double.isNaN(radius)) {
                fractions.observe("stabilis_certified_radius", "Certified radius: the largest epsilon with the top-k set certified",
                        RADIUS_BUCKETS, tags, radius);
            }
            fractions.observe("stabilis_bound_width", "Mean width of the certified gradient box", WIDTH_BUCKETS, tags,
                    e.certified().meanWidth());
        }
        if (e.empirical() != null) {
            Counter.builder("stabilis.attacks").description("Attacks run, by result")
                    .tags(tags).tag("result", e.empirical().attack().success() ? "success" : "resisted").register(registry).increment();
        }
        if (!Double.isNaN(e.igCompletenessGap())) {
            fractions.observe("stabilis_ig_completeness_gap", "Relative Integrated Gradients completeness gap", GAP_BUCKETS, tags,
                    e.igCompletenessGap());
        }
        if (!Double.isNaN(e.curvature())) {
            fractions.observe("stabilis_curvature", "Magnitude of the largest Hessian eigenvalue of the explained score",
                    CURVATURE_BUCKETS, tags, Math.abs(e.curvature()));
        }
        if (sample.servedClass() != null && sample.servedClass() != e.predicted()) {
            Counter.builder("stabilis.prediction.mismatches").description("Samples whose served class differs from the recomputed one")
                    .tags(tags).register(registry).increment();
        }
        for (String analysis : e.overBudget()) {
            Counter.builder("stabilis.analyses.over.budget").description("Samples whose analysis the policy's time budget skipped")
                    .tags("model", model, "version", version, "analysis", analysis).register(registry).increment();
        }
        if (e.invariantViolation() != null) {
            Counter.builder("stabilis.invariant.violations").description("Attack points that beat a certificate (bugs)")
                    .tags(tags).register(registry).increment();
        }
        if (sample.receivedAt() > 0) {
            Timer.builder("stabilis.request.to.explanation").description("Time from ingest to the explanation record")
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                    .tags("model", model).register(registry).record(Duration.ofMillis(Math.max(0, explainedAt - sample.receivedAt())));
        }
    }

    /** An explanation record written without its vectors because with them it was too large. */
    public void vectorsOmitted(String model) {
        Counter.builder("stabilis.runner.vectors.omitted").description("Explanation records written without their per-feature "
                + "vectors because with them they exceeded stabilis.runner.explanation.max.bytes").tags("model", model)
                .register(registry).increment();
    }

    /** One micro-batch of one model. */
    public void batch(String model, int size, long nanos) {
        lastBatchSize.set(size);
        Timer.builder("stabilis.runner.batch").description("Compute time of a micro-batch of one model")
                .publishPercentileHistogram().tags("model", model).register(registry).record(Duration.ofNanos(nanos));
    }

    /** One sample sent to the dead-letter topic. */
    public void deadLetter(String reason) {
        Counter.builder("stabilis.runner.dead.letters").description("Samples the runner sent to the dead-letter topic, by reason")
                .tags("reason", reason).register(registry).increment();
    }

    /** One failed attempt to load a model version (its samples are dead-lettered until a later attempt succeeds). */
    public void modelLoadFailed(String model, String version) {
        Counter.builder("stabilis.model.load.failures").description("Failed attempts to load a model version")
                .tags("model", model, "version", version).register(registry).increment();
    }

    /**
     * Whether a model version's current files are rejected (they fail validation) while the last good version serves
     * its samples: gauge {@code stabilis_model_version_rejected}, 1 or 0.
     */
    public void modelVersionRejected(String model, String version, boolean rejected) {
        rejectedVersions.computeIfAbsent(model + "/" + version, key -> {
            AtomicInteger flag = new AtomicInteger();
            Gauge.builder("stabilis.model.version.rejected", flag, AtomicInteger::get)
                    .description("1 while a model version's current files fail validation and its last good version serves it")
                    .tags("model", model, "version", version).register(registry);
            return flag;
        }).set(rejected ? 1 : 0);
    }

    /** Samples a rebalance took out of a filling batch: the next owner of their partitions explains them. */
    public void samplesHandedOver(int samples) {
        Counter.builder("stabilis.runner.samples.handed.over").description("Samples a rebalance took out of the batch the runner was "
                + "filling, for the next owner of their partitions to explain").register(registry).increment(samples);
    }

    /** One aborted transaction (its batch is processed again). */
    public void abortedTransaction() {
        Counter.builder("stabilis.runner.transactions.aborted").description("Transactions the runner aborted and retried")
                .register(registry).increment();
    }
}
