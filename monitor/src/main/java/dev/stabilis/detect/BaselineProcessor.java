package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.JsonSerde;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
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
 * Windowed baselines per (model, version, predicted class): certified fraction, median certified radius,
 * attack-success rate and mismatch rate over tumbling event-time windows.
 *
 * <p><b>Windows.</b> A sample counts in the window of its {@code eventTime}. A model's windows close when its
 * watermark (the largest event time seen for the model on this task) passes their end plus the grace period;
 * a sample arriving after its window closed is left out of the baselines (its per-sample rules still apply).
 * While no sample of a model arrives, its watermark moves on with the wall clock: every
 * {@link DetectConfig#idleCheckInterval()} the windows of quiet models close as if event time went on, so a model
 * whose traffic stops still has its last windows judged. The watermark, open windows and histories are in state
 * stores with changelogs, so a restart neither loses nor re-judges a window.
 *
 * <p><b>Silence.</b> A model without samples for {@link DetectConfig#silenceWindows()} windows of wall-clock time gets
 * one {@link AlertKind#MODEL_SILENT} alert, firing only (its id derives from the last sample's event time, so a
 * replay dedupes); the next sample ends the silence, and a later one alerts again.
 *
 * <p><b>Baseline.</b> Each metric's baseline is the median and MAD of its values in the last N
 * ({@link DetectConfig#baselineWindows()}) closed windows that had at least
 * {@link DetectConfig#minSamples()} samples carrying it; windows with fewer are neither judged nor learnt from.
 * Once W ({@link DetectConfig#warmupWindows()}) values are learnt, a closing window is judged with a robust
 * z-score against the baseline (see {@link RobustBaseline}) and raises the metric's alert when it departs in the
 * adverse direction (drop of certified fraction or radius, rise of attack-success or mismatch rate). Every judged
 * window then joins the history, departures included, so a lasting shift becomes the new baseline after about
 * N/2 windows.
 *
 * <p><b>Firing and resolved.</b> The first departing window fires the metric's alert (status {@code firing},
 * {@code startsAt} the window's start); further departing windows extend that episode without repeating it; the
 * first judged window that no longer departs emits the same alert {@code resolved}, with {@code endsAt} the end of
 * the last departing window and the same fingerprint. Which alerts fire is part of the history store, so it
 * survives restarts.
 */
final class BaselineProcessor implements Processor<String, Explanation, String, Alert> {

    static final String WINDOWS_STORE = "detect-baseline-windows";
    static final String HISTORY_STORE = "detect-baseline-history";
    static final String ACTIVITY_STORE = "detect-model-activity";

    private static final Logger LOG = LoggerFactory.getLogger(BaselineProcessor.class);

    private final DetectConfig config;
    private final WindowListener listener;
    private final long sizeMs;
    private final long graceMs;
    private final Map<String, Long> nextClosing = new HashMap<>();
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, WindowTally> windows;
    private KeyValueStore<String, BaselineHistory> histories;
    private KeyValueStore<String, ModelActivity> activity;

    private BaselineProcessor(DetectConfig config, WindowListener listener) {
        this.config = config;
        this.listener = listener;
        this.sizeMs = config.windowSize().toMillis();
        this.graceMs = config.windowGrace().toMillis();
    }

    static ProcessorSupplier<String, Explanation, String, Alert> supplier(DetectConfig config, WindowListener listener) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Explanation, String, Alert> get() {
                return new BaselineProcessor(config, listener);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINDOWS_STORE),
                                Serdes.String(), new JsonSerde<>(WindowTally.class)),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HISTORY_STORE),
                                Serdes.String(), new JsonSerde<>(BaselineHistory.class)),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ACTIVITY_STORE),
                                Serdes.String(), new JsonSerde<>(ModelActivity.class)));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.windows = context.getStateStore(WINDOWS_STORE);
        this.histories = context.getStateStore(HISTORY_STORE);
        this.activity = context.getStateStore(ACTIVITY_STORE);
        context.schedule(config.idleCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::closeQuietModels);
    }

    @Override
    public void process(Record<String, Explanation> record) {
        Explanation e = record.value();
        ModelActivity seen = activity.get(e.model());
        long watermark = seen == null ? e.eventTime() : Math.max(seen.watermark(), e.eventTime());
        activity.put(e.model(), new ModelActivity(watermark, context.currentSystemTimeMs(), e.version(), false));
        long start = Math.floorDiv(e.eventTime(), sizeMs) * sizeMs;
        ClassKey key = ClassKey.of(e);
        if (start + sizeMs + graceMs <= watermark || start < history(key).judgedUntil()) {
            LOG.debug("sample {} is too late for its window starting {}; left out of the baselines", e.sampleId(), start);
        } else {
            String windowKey = windowKey(key, start);
            WindowTally tally = windows.get(windowKey);
            if (tally == null) {
                tally = WindowTally.open(key, e.predictedLabel(), start, start + sizeMs);
                nextClosing.merge(e.model(), start + sizeMs + graceMs, Math::min);
            }
            windows.put(windowKey, tally.add(e));
        }
        if (watermark >= nextClosing.getOrDefault(e.model(), Long.MIN_VALUE)) {
            closeWindowsDueBy(e.model(), watermark);
        }
    }

    /** Closes the windows of models without new samples as the wall clock moves on, and alerts on long silences. */
    private void closeQuietModels(long now) {
        List<KeyValue<String, ModelActivity>> models = new ArrayList<>();
        try (KeyValueIterator<String, ModelActivity> all = activity.all()) {
            all.forEachRemaining(models::add);
        }
        for (KeyValue<String, ModelActivity> model : models) {
            ModelActivity a = model.value;
            long watermark = a.watermarkAt(now);
            if (watermark >= nextClosing.getOrDefault(model.key, Long.MIN_VALUE)) {
                closeWindowsDueBy(model.key, watermark);
            }
            long quietMs = now - a.lastArrival();
            if (config.silenceWindows() > 0 && !a.silent() && quietMs >= config.silenceWindows() * sizeMs) {
                activity.put(model.key, a.silenced());
                context.forward(new Record<>(model.key, Alerts.silent(model.key, a.version(), a.watermark(), quietMs,
                        config.silenceWindows(), sizeMs), watermark));
            }
        }
    }

    private void closeWindowsDueBy(String model, long watermark) {
        List<WindowTally> due = new ArrayList<>();
        long next = Long.MAX_VALUE;
        try (KeyValueIterator<String, WindowTally> open =
                     windows.prefixScan(ClassKey.modelPrefix(model), new StringSerializer())) {
            while (open.hasNext()) {
                WindowTally tally = open.next().value;
                long closesAt = tally.end() + graceMs;
                if (closesAt <= watermark) {
                    due.add(tally);
                } else {
                    next = Math.min(next, closesAt);
                }
            }
        }
        nextClosing.put(model, next);
        due.sort(Comparator.comparingLong(WindowTally::start));
        due.forEach(this::close);
    }

    private void close(WindowTally tally) {
        ClassKey key = tally.classKey();
        BaselineHistory history = history(key);
        Map<BaselineMetric, Double> learnt = new EnumMap<>(BaselineMetric.class);
        Map<String, Double> measured = new HashMap<>();
        Map<BaselineMetric, BaselineHistory.Episode> firing = new EnumMap<>(BaselineMetric.class);
        firing.putAll(history.firing());
        for (BaselineMetric metric : BaselineMetric.values()) {
            WindowTally.Measurement measurement = tally.measure(metric);
            if (measurement == null || measurement.samples() < config.minSamples()) {
                continue;
            }
            List<Double> past = history.of(metric);
            if (past.size() >= config.warmupWindows()) {
                judge(tally, metric, measurement, RobustBaseline.of(past), firing);
            }
            learnt.put(metric, measurement.value());
            measured.put(metric.metricName(), measurement.value());
        }
        listener.onWindowClosed(new WindowListener.ClosedWindow(key.model(), key.version(), key.predictedClass(), tally.start(),
                tally.end(), measured));
        histories.put(key.storeKey(), history.append(tally.end(), learnt, config.baselineWindows(), firing));
        windows.delete(windowKey(key, tally.start()));
    }

    /**
     * Fires when the window departs and the metric's alert is not firing yet; resolves a firing alert when a judged
     * window no longer departs. A window that goes on departing extends the episode without a new record.
     */
    private void judge(WindowTally tally, BaselineMetric metric, WindowTally.Measurement measurement,
                       RobustBaseline baseline, Map<BaselineMetric, BaselineHistory.Episode> firing) {
        double threshold = baseline.threshold(metric, config);
        boolean departs = RobustBaseline.departs(metric, measurement.value(), threshold);
        BaselineHistory.Episode episode = firing.get(metric);
        Alert alert = null;
        if (departs && episode == null) {
            firing.put(metric, new BaselineHistory.Episode(tally.start(), tally.end()));
            alert = Alerts.windowed(metric, tally, measurement, baseline, threshold, tally.start(), null);
        } else if (departs) {
            firing.put(metric, new BaselineHistory.Episode(episode.start(), tally.end()));
        } else if (episode != null) {
            firing.remove(metric);
            alert = Alerts.windowed(metric, tally, measurement, baseline, threshold, episode.start(), episode.lastEnd());
        }
        if (alert != null) {
            context.forward(new Record<>(tally.model(), alert, tally.end()));
        }
    }

    private BaselineHistory history(ClassKey key) {
        BaselineHistory history = histories.get(key.storeKey());
        return history == null ? BaselineHistory.empty() : history;
    }

    private static String windowKey(ClassKey key, long start) {
        return key.storeKey() + ClassKey.SEPARATOR + start;
    }
}
