package dev.stabilis.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets one join outcome per request id through. The outer join emits a request without its response once stream
 * time passes the join window and grace; stream time is per task and follows whichever side it reads first, so when
 * one side lags the other by more than that (catching up after a restart, when upstream tasks recover unevenly) the
 * same request can leave once unmatched and again when its response arrives while it is still in the join store,
 * and a response can leave unmatched before its request arrives.
 *
 * <p>The first sample of a request wins, and later outcomes of that id are dropped for the deduplication retention
 * ({@link IngestConfig#dedupRetention()}), so a request sent again with the same id (a client's retry, a replayed
 * log) gives no second sample. A response the join gives up on is held, not dead-lettered at once: if its request
 * shows up within the hold (twice the join store's retention), the request's sample carries the held response's
 * served output, even when the join emitted the request as unmatched; otherwise the response is dead-lettered as
 * unmatched when stream time passes its timestamp plus the hold. Both stores are changelogged, so the decisions hold
 * across restarts under exactly-once.
 */
final class FirstOutcomeProcessor extends ContextualProcessor<String, RequestWithResponse, String, RequestWithResponse> {

    static final String STORE = "ingest-first-outcome";
    static final String HELD = "ingest-unmatched-responses";

    private static final Logger LOG = LoggerFactory.getLogger(FirstOutcomeProcessor.class);

    private final long holdMs;
    private final long dedupMs;
    private WindowStore<String, Long> emitted;
    private TimestampedKeyValueStore<String, ServedResponse> held;

    private FirstOutcomeProcessor(long holdMs, long dedupMs) {
        this.holdMs = holdMs;
        this.dedupMs = dedupMs;
    }

    /**
     * @param window the join window (largest request/response time difference)
     * @param grace the join grace
     * @param dedup how long an emitted request id keeps later outcomes of that id out; at least {@link #retention}
     */
    static ProcessorSupplier<String, RequestWithResponse, String, RequestWithResponse> supplier(Duration window, Duration grace,
            Duration dedup) {
        Duration hold = retention(window, grace);
        return new ProcessorSupplier<>() {
            @Override
            public FirstOutcomeProcessor get() {
                return new FirstOutcomeProcessor(hold.toMillis(), dedup.toMillis());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.windowStoreBuilder(Stores.persistentWindowStore(STORE, dedup, Duration.ofMillis(1), false),
                                Serdes.String(), Serdes.Long()),
                        Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(HELD), Serdes.String(),
                                new JsonSerde<>(ServedResponse.class)));
            }
        };
    }

    /** How long responses are held: the join keeps a record for 2 × window + grace; twice that, plus 1 s. */
    static Duration retention(Duration window, Duration grace) {
        return window.multipliedBy(2).plus(grace).multipliedBy(2).plusSeconds(1);
    }

    @Override
    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<String, RequestWithResponse> context) {
        super.init(context);
        emitted = context.getStateStore(STORE);
        held = context.getStateStore(HELD);
        context.schedule(Duration.ofSeconds(1), PunctuationType.STREAM_TIME, this::releaseHeldBefore);
    }

    @Override
    public void process(Record<String, RequestWithResponse> record) {
        RequestWithResponse outcome = record.value();
        boolean requestLeft = alreadyEmitted(record.key(), record.timestamp());
        if (outcome.request() == null) {
            if (requestLeft) {
                LOG.info("response {} arrived after its request was emitted; dropped", record.key());
            } else {
                held.put(record.key(), ValueAndTimestamp.make(outcome.response(), record.timestamp()));
            }
            return;
        }
        if (requestLeft) {
            LOG.info("request {} was already emitted; this later outcome of its id is dropped", record.key());
            return;
        }
        ValueAndTimestamp<ServedResponse> waiting = held.get(record.key());
        held.delete(record.key());
        emitted.put(record.key(), record.timestamp(), record.timestamp());
        context().forward(outcome.response() == null && waiting != null
                ? record.withValue(new RequestWithResponse(outcome.request(), waiting.value()))
                : record);
    }

    /** Dead-letters the held responses whose request has not come within the retention. */
    private void releaseHeldBefore(long streamTime) {
        List<KeyValue<String, ValueAndTimestamp<ServedResponse>>> due = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<ServedResponse>> all = held.all()) {
            while (all.hasNext()) {
                KeyValue<String, ValueAndTimestamp<ServedResponse>> entry = all.next();
                if (entry.value.timestamp() + holdMs < streamTime) {
                    due.add(entry);
                }
            }
        }
        for (KeyValue<String, ValueAndTimestamp<ServedResponse>> entry : due) {
            held.delete(entry.key);
            context().forward(new Record<>(entry.key, new RequestWithResponse(null, entry.value.value()), entry.value.timestamp()));
        }
    }

    private boolean alreadyEmitted(String id, long timestamp) {
        try (WindowStoreIterator<Long> earlier = emitted.fetch(id, timestamp - dedupMs, timestamp + dedupMs)) {
            return earlier.hasNext();
        }
    }
}
