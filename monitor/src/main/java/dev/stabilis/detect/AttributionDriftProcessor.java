package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.JsonSerde;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attribution drift per (model, version, predicted class): whether the explanation itself has changed, as managed
 * model monitors (SageMaker Clarify, Vertex AI) watch it. Each tumbling event-time window (the baselines' size,
 * grace and least samples, {@link DetectConfig}) sums |attribution| per feature of one method
 * ({@link DriftConfig#method()}) in a fixed-size vector ({@link AttributionWindow}); when it closes, its mean
 * |attribution| vector is ranked against the baseline's ({@link AttributionBaseline}) by nDCG@k and Kendall's τ_b
 * ({@link RankingDrift}). After the baselines' warm-up, a window whose nDCG or τ is below its threshold drifts.
 *
 * <p>As for the windowed baselines ({@link BaselineProcessor}): the first drifting window fires
 * {@link AlertKind#ATTRIBUTION_DRIFT}, with the features whose rank moved; further drifting windows extend the
 * episode; the first judged window that no longer drifts resolves it. Every window with enough samples is learnt,
 * drifting ones included, so a lasting change becomes the new baseline. Windows close when the model's watermark
 * (largest event time seen on this task, held in memory) passes their end plus the grace; window sums, baselines and
 * firing episodes are in state stores with changelogs. Samples without attributions of the method (the runner
 * leaves vectors out with {@code stabilis.runner.include.attributions=false}) are not counted.
 */
final class AttributionDriftProcessor implements Processor<String, Explanation, String, Alert> {

    static final String WINDOWS_STORE = "detect-drift-windows";
    static final String BASELINE_STORE = "detect-drift-baselines";

    private static final Logger LOG = LoggerFactory.getLogger(AttributionDriftProcessor.class);

    private final DetectConfig config;
    private final DriftConfig drift;
    private final DriftListener listener;
    private final long sizeMs;
    private final long graceMs;
    private final Map<String, Long> watermarks = new HashMap<>();
    private final Map<String, Long> nextClosing = new HashMap<>();
    private final Set<ClassKey> judged = new java.util.HashSet<>();
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, AttributionWindow> windows;
    private KeyValueStore<String, AttributionBaseline> baselines;

    private AttributionDriftProcessor(DetectConfig config, DriftConfig drift, DriftListener listener) {
        this.config = config;
        this.drift = drift;
        this.listener = listener;
        this.sizeMs = config.windowSize().toMillis();
        this.graceMs = config.windowGrace().toMillis();
    }

    static ProcessorSupplier<String, Explanation, String, Alert> supplier(DetectConfig config, DriftConfig drift, DriftListener listener) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Explanation, String, Alert> get() {
                return new AttributionDriftProcessor(config, drift, listener);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINDOWS_STORE), Serdes.String(),
                                new JsonSerde<>(AttributionWindow.class)),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BASELINE_STORE), Serdes.String(),
                                new JsonSerde<>(AttributionBaseline.class)));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.windows = context.getStateStore(WINDOWS_STORE);
        this.baselines = context.getStateStore(BASELINE_STORE);
    }

    @Override
    public void process(Record<String, Explanation> record) {
        Explanation e = record.value();
        long watermark = watermarks.merge(e.model(), e.eventTime(), Math::max);
        String method = e.attributions() == null ? null : drift.methodOf(e.attributions());
        if (method != null) {
            count(e, method, e.attributions().get(method), watermark);
        }
        if (watermark >= nextClosing.getOrDefault(e.model(), Long.MIN_VALUE)) {
            closeWindowsDueBy(e.model(), watermark);
        }
    }

    private void count(Explanation e, String method, float[] attribution, long watermark) {
        long start = Math.floorDiv(e.eventTime(), sizeMs) * sizeMs;
        ClassKey key = ClassKey.of(e);
        if (start + sizeMs + graceMs <= watermark || start < baseline(key).judgedUntil()) {
            LOG.debug("sample {} is too late for its window starting {}; left out of attribution drift", e.sampleId(), start);
            return;
        }
        String windowKey = windowKey(key, start);
        AttributionWindow window = windows.get(windowKey);
        if (window == null) {
            window = AttributionWindow.open(key, e.predictedLabel(), start, start + sizeMs, method, attribution.length);
            nextClosing.merge(e.model(), start + sizeMs + graceMs, Math::min);
        } else if (!window.fits(method, attribution)) {
            LOG.warn("sample {} has {} attributions of {} features; its window has {} of {}: left out of attribution drift", e.sampleId(),
                    method, attribution.length, window.method(), window.sums().length);
            return;
        }
        windows.put(windowKey, window.add(attribution, e));
    }

    private void closeWindowsDueBy(String model, long watermark) {
        List<AttributionWindow> due = new ArrayList<>();
        long next = Long.MAX_VALUE;
        try (KeyValueIterator<String, AttributionWindow> open = windows.prefixScan(ClassKey.modelPrefix(model), new StringSerializer())) {
            while (open.hasNext()) {
                AttributionWindow window = open.next().value;
                long closesAt = window.end() + graceMs;
                if (closesAt <= watermark) {
                    due.add(window);
                } else {
                    next = Math.min(next, closesAt);
                }
            }
        }
        nextClosing.put(model, next);
        due.sort(Comparator.comparingLong(AttributionWindow::start));
        due.forEach(this::close);
    }

    private void close(AttributionWindow window) {
        ClassKey key = window.classKey();
        AttributionBaseline baseline = baseline(key);
        windows.delete(windowKey(key, window.start()));
        if (window.count() < config.minSamples()) {
            baselines.put(key.storeKey(), baseline.skipped(window.end()));
            return;
        }
        double[] mean = window.means();
        BaselineHistory.Episode firing = baseline.firing();
        if (baseline.judges(window, config.warmupWindows())) {
            RankingDrift ranking = RankingDrift.between(baseline.mean(), mean, drift.k(), f -> baseline.name(f, window.names()));
            judged.add(key);
            listener.onJudged(new DriftListener.DriftScore(key.model(), key.version(), key.predictedClass(), window.end(), ranking.ndcg(),
                    ranking.kendallTau()));
            firing = judge(window, baseline, mean, ranking);
        }
        baselines.put(key.storeKey(), baseline.learn(window, mean, config.baselineWindows(), firing));
    }

    /** Fires, extends or resolves the drift episode; returns the episode firing after this window, or null. */
    private BaselineHistory.Episode judge(AttributionWindow window, AttributionBaseline baseline, double[] mean, RankingDrift ranking) {
        BaselineHistory.Episode episode = baseline.firing();
        boolean drifts = ranking.drifts(drift);
        Alert alert = null;
        BaselineHistory.Episode after = episode;
        if (drifts && episode == null) {
            after = new BaselineHistory.Episode(window.start(), window.end());
            alert = Alerts.attributionDrift(window, mean, baseline, ranking, drift, window.start(), null);
        } else if (drifts) {
            after = new BaselineHistory.Episode(episode.start(), window.end());
        } else if (episode != null) {
            after = null;
            alert = Alerts.attributionDrift(window, mean, baseline, ranking, drift, episode.start(), episode.lastEnd());
        }
        if (alert != null) {
            context.forward(new Record<>(window.model(), alert, window.end()));
        }
        return after;
    }

    /** The task closes (or moves to another instance): its classes' scores are no longer this process's to show. */
    @Override
    public void close() {
        judged.forEach(key -> listener.onReleased(key.model(), key.version(), key.predictedClass()));
        judged.clear();
    }

    private AttributionBaseline baseline(ClassKey key) {
        AttributionBaseline baseline = baselines.get(key.storeKey());
        return baseline == null ? AttributionBaseline.empty() : baseline;
    }

    private static String windowKey(ClassKey key, long start) {
        return key.storeKey() + ClassKey.SEPARATOR + start;
    }
}
