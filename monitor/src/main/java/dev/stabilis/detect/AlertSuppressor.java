package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.JsonSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
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

/**
 * Merges repeats of per-sample alerts of the same (kind, model, version, class). The first alert of an episode is
 * emitted at once (latency); the following ones are held in a state store, and when the suppression window ends
 * one merged alert lists their sample ids as evidence, so every sample lands in exactly one emitted alert.
 *
 * <p>An episode ends when the wall clock passes its start plus the suppression window (checked by a wall-clock
 * punctuator every {@link DetectConfig#suppressionCheckInterval()}, so held-back alerts are flushed even when
 * traffic stops), or when an alert arrives whose event time is a suppression window or more after the episode's
 * first: when the topology catches up or replays, event time outruns the wall clock and episodes still split as
 * they would live. A merged alert is also emitted early once it holds {@link DetectConfig#suppressionMaxEvidence()}
 * ids, which bounds record and state sizes. Kinds that are not {@link AlertKind#suppressible()} pass straight on.
 */
final class AlertSuppressor implements Processor<String, Alert, String, Alert> {

    static final String STORE = "detect-suppression";

    private final long windowMs;
    private final Duration checkInterval;
    private final int maxEvidence;
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, SuppressionEpisode> episodes;

    private AlertSuppressor(DetectConfig config) {
        this.windowMs = config.suppressionWindow().toMillis();
        this.checkInterval = config.suppressionCheckInterval();
        this.maxEvidence = config.suppressionMaxEvidence();
    }

    static ProcessorSupplier<String, Alert, String, Alert> supplier(DetectConfig config) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Alert, String, Alert> get() {
                return new AlertSuppressor(config);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE),
                        Serdes.String(), new JsonSerde<>(SuppressionEpisode.class)));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.episodes = context.getStateStore(STORE);
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::endEpisodesDueBy);
    }

    @Override
    public void process(Record<String, Alert> record) {
        Alert alert = record.value();
        if (!AlertKind.valueOf(alert.kind()).suppressible()) {
            context.forward(record);
            return;
        }
        String key = alert.kind() + ClassKey.SEPARATOR + ClassKey.of(alert).storeKey();
        SuppressionEpisode episode = episodes.get(key);
        if (episode != null && alert.startsAtMillis() >= episode.start() + windowMs) {
            emitPending(episode);
            episode = null;
        }
        if (episode == null) {
            context.forward(record);
            episodes.put(key, SuppressionEpisode.open(alert.startsAtMillis(), context.currentSystemTimeMs() + windowMs));
            return;
        }
        episode = episode.withPending(alert);
        if (episode.pendingEvidence().size() >= maxEvidence) {
            emitPending(episode);
            episode = episode.drained();
        }
        episodes.put(key, episode);
    }

    private void endEpisodesDueBy(long wallClockTime) {
        List<KeyValue<String, SuppressionEpisode>> ended = new ArrayList<>();
        try (KeyValueIterator<String, SuppressionEpisode> all = episodes.all()) {
            while (all.hasNext()) {
                KeyValue<String, SuppressionEpisode> entry = all.next();
                if (entry.value.wallClockDeadline() <= wallClockTime) {
                    ended.add(entry);
                }
            }
        }
        for (KeyValue<String, SuppressionEpisode> entry : ended) {
            emitPending(entry.value);
            episodes.delete(entry.key);
        }
    }

    private void emitPending(SuppressionEpisode episode) {
        if (episode.hasPending()) {
            Alert merged = episode.merged();
            context.forward(new Record<>(merged.model(), merged, episode.pendingTo()));
        }
    }
}
