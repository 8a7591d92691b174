package dev.stabilis.metrics;

import dev.stabilis.detect.DriftListener;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The attribution-drift scores of each (model, version, class)'s last judged window: {@code stabilis_attribution_drift_ndcg}
 * (nDCG@k of its feature ranking against the baseline's; 1 is no drift) and {@code stabilis_attribution_drift_kendall_tau}
 * (Kendall's τ_b; NaN while undefined). Labels are bounded: model, version and class, never features. A class whose
 * windows another monitor instance judges from now on loses its gauges here, so no instance shows a stale score.
 */
public final class DriftGauges implements DriftListener {

    private final MeterRegistry registry;
    private final Map<String, Scores> byClass = new ConcurrentHashMap<>();

    private record Scores(AtomicReference<Double> ndcg, AtomicReference<Double> kendallTau, List<Gauge> gauges) {}

    public DriftGauges(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onJudged(DriftScore score) {
        String classLabel = Integer.toString(score.predictedClass());
        Scores scores = byClass.computeIfAbsent(key(score.model(), score.version(), score.predictedClass()), k -> {
            AtomicReference<Double> ndcg = new AtomicReference<>(Double.NaN);
            AtomicReference<Double> tau = new AtomicReference<>(Double.NaN);
            return new Scores(ndcg, tau, List.of(
                    gauge("stabilis.attribution.drift.ndcg", ndcg, score, classLabel,
                            "nDCG@k of the last judged window's feature ranking by mean |attribution| against its baseline (1: unchanged)"),
                    gauge("stabilis.attribution.drift.kendall.tau", tau, score, classLabel,
                            "Kendall's tau-b of the last judged window's mean |attribution| against its baseline's, over both top-k sets")));
        });
        scores.ndcg().set(score.ndcg());
        scores.kendallTau().set(score.kendallTau() == null ? Double.NaN : score.kendallTau());
    }

    @Override
    public void onReleased(String model, String version, int predictedClass) {
        Scores scores = byClass.remove(key(model, version, predictedClass));
        if (scores != null) {
            scores.gauges().forEach(registry::remove);
        }
    }

    private static String key(String model, String version, int predictedClass) {
        return model + "\u0000" + version + "\u0000" + predictedClass;
    }

    private Gauge gauge(String name, AtomicReference<Double> value, DriftScore score, String classLabel, String description) {
        return Gauge.builder(name, value, AtomicReference::get).tags("model", score.model(), "version", score.version(), "class", classLabel)
                .description(description).register(registry);
    }
}
