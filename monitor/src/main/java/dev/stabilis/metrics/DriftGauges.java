package dev.stabilis.metrics;

import dev.stabilis.detect.DriftListener;
import dev.stabilis.service.ClassLabels;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The attribution-drift scores of each (model, version, class)'s last judged window: {@code stabilis_attribution_drift_ndcg}
 * (nDCG@k of its feature ranking against the baseline's; 1 is no drift) and {@code stabilis_attribution_drift_kendall_tau}
 * (Kendall's τ_b; NaN while undefined). Labels are bounded: model, version and class, never features; the {@code class}
 * label follows {@link ClassLabels}, so classes that share a label share the gauges, which show the window judged last
 * among them. A class whose windows another monitor instance judges from now on stops feeding its gauges here, and
 * gauges no class here feeds are removed, so no instance shows a stale score.
 */
public final class DriftGauges implements DriftListener {

    private final MeterRegistry registry;
    private final ClassLabels classLabels;
    /** The gauges each class judged here feeds. */
    private final Map<ClassKey, GaugeKey> fedBy = new HashMap<>();
    private final Map<GaugeKey, Scores> gauges = new HashMap<>();

    private record ClassKey(String model, String version, int predictedClass) {}

    private record GaugeKey(String model, String version, Tags classTag) {}

    private record Scores(AtomicReference<Double> ndcg, AtomicReference<Double> kendallTau, List<Gauge> gauges, Set<ClassKey> classes) {}

    public DriftGauges(MeterRegistry registry, ClassLabels classLabels) {
        this.registry = registry;
        this.classLabels = classLabels;
    }

    @Override
    public synchronized void onJudged(DriftScore score) {
        ClassKey judged = new ClassKey(score.model(), score.version(), score.predictedClass());
        GaugeKey key = fedBy.computeIfAbsent(judged, c ->
                new GaugeKey(score.model(), score.version(), classLabels.tags(score.model(), score.predictedClass())));
        Scores scores = gauges.computeIfAbsent(key, k -> {
            AtomicReference<Double> ndcg = new AtomicReference<>(Double.NaN);
            AtomicReference<Double> tau = new AtomicReference<>(Double.NaN);
            return new Scores(ndcg, tau, List.of(
                    gauge("stabilis.attribution.drift.ndcg", ndcg, k,
                            "nDCG@k of the last judged window's feature ranking by mean |attribution| against its baseline (1: unchanged)"),
                    gauge("stabilis.attribution.drift.kendall.tau", tau, k,
                            "Kendall's tau-b of the last judged window's mean |attribution| against its baseline's, over both top-k sets")),
                    new HashSet<>());
        });
        scores.classes().add(judged);
        scores.ndcg().set(score.ndcg());
        scores.kendallTau().set(score.kendallTau() == null ? Double.NaN : score.kendallTau());
    }

    @Override
    public synchronized void onReleased(String model, String version, int predictedClass) {
        ClassKey released = new ClassKey(model, version, predictedClass);
        GaugeKey key = fedBy.remove(released);
        if (key == null) {
            return;
        }
        Scores scores = gauges.get(key);
        scores.classes().remove(released);
        if (scores.classes().isEmpty()) {
            gauges.remove(key);
            scores.gauges().forEach(registry::remove);
        }
    }

    private Gauge gauge(String name, AtomicReference<Double> value, GaugeKey key, String description) {
        return Gauge.builder(name, value, AtomicReference::get).tags("model", key.model(), "version", key.version()).tags(key.classTag())
                .description(description).register(registry);
    }
}
