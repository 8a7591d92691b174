package dev.stabilis.ingest;

import dev.stabilis.contract.JsonSerde;
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
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets one join outcome per request id through, and keeps the join's decisions from depending on the order in which
 * it reads the two sides. The outer join gives up on a record once stream time passes its window and grace; stream
 * time is per task and follows the latest record read, so when records arrive out of order by more than that
 * (catching up after an outage, when the upstream tasks that re-key both sides progress unevenly) the join emits
 * requests without the responses that are still on their way, emits the same request again when its response
 * arrives while it is still in the join store, and gives up on responses whose requests are still on their way.
 *
 * <p>Therefore:
 * <ul>
 *   <li>The first sample of a request wins, and later outcomes of that id are dropped for the deduplication
 *       retention ({@link IngestConfig#dedupRetention()}), so a request sent again with the same id (a client's
 *       retry, a replayed log) gives no second sample.</li>
 *   <li>A request the join emits unmatched waits for the hold (twice the join store's retention) of stream time;
 *       its response, should it come meanwhile, goes into its sample. Where the task has never seen a response, it
 *       leaves at once, as from a plain outer join.</li>
 *   <li>A response the join gives up on is held: if its request comes within the deduplication retention, the
 *       request's sample carries it; otherwise it is dead-lettered as unmatched once stream time has passed its
 *       timestamp plus that retention. Stream time is the furthest side's: after an outage the task re-keying one
 *       partition of the requests may catch up long after the responses and the other partitions (CrashRecoveryIT
 *       saw it pass the hold, 23 s with the default window, and dead-letter three responses whose requests were then
 *       sampled). A dead letter can wait; an id is remembered that long anyway.</li>
 * </ul>
 * Every store is changelogged, so the decisions hold across restarts under exactly-once.
 */
final class FirstOutcomeProcessor extends ContextualProcessor<String, RequestWithResponse, String, RequestWithResponse> {

    static final String STORE = "ingest-first-outcome";
    static final String HELD = "ingest-unmatched-responses";
    static final String WAITING = "ingest-unmatched-requests";
    static final String RESPONSES_SEEN = "ingest-responses-seen";

    private static final String RESPONSES = "responses";
    private static final Logger LOG = LoggerFactory.getLogger(FirstOutcomeProcessor.class);

    private final long holdMs;
    private final long dedupMs;
    private WindowStore<String, Long> emitted;
    private TimestampedKeyValueStore<String, ServedResponse> held;
    private TimestampedKeyValueStore<String, ValidRequest> waiting;
    private KeyValueStore<String, Long> responsesSeen;

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
                                new JsonSerde<>(ServedResponse.class)),
                        Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(WAITING), Serdes.String(),
                                new JsonSerde<>(ValidRequest.class)),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RESPONSES_SEEN), Serdes.String(), Serdes.Long()));
            }
        };
    }

    /** How long outcomes wait for the other side: the join keeps a record for 2 × window + grace; twice that, plus 1 s. */
    static Duration retention(Duration window, Duration grace) {
        return window.multipliedBy(2).plus(grace).multipliedBy(2).plusSeconds(1);
    }

    @Override
    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<String, RequestWithResponse> context) {
        super.init(context);
        emitted = context.getStateStore(STORE);
        held = context.getStateStore(HELD);
        waiting = context.getStateStore(WAITING);
        responsesSeen = context.getStateStore(RESPONSES_SEEN);
        context.schedule(Duration.ofSeconds(1), PunctuationType.STREAM_TIME, this::releaseDue);
    }

    @Override
    public void process(Record<String, RequestWithResponse> record) {
        String id = record.key();
        RequestWithResponse outcome = record.value();
        if (outcome.response() != null && responsesSeen.get(RESPONSES) == null) {
            responsesSeen.put(RESPONSES, record.timestamp());
        }
        boolean requestLeft = alreadyEmitted(id, record.timestamp());
        ValueAndTimestamp<ValidRequest> waitingRequest = waiting.get(id);
        if (outcome.request() == null) {
            if (waitingRequest != null) {
                waiting.delete(id);
                emit(new Record<>(id, new RequestWithResponse(waitingRequest.value(), outcome.response()), waitingRequest.timestamp()));
            } else if (requestLeft) {
                LOG.info("response {} arrived after its request was emitted; dropped", id);
            } else {
                held.put(id, ValueAndTimestamp.make(outcome.response(), record.timestamp()));
            }
            return;
        }
        if (requestLeft || waitingRequest != null && outcome.response() == null) {
            LOG.info("request {} was already emitted or is waiting for its response; this later outcome of its id is dropped", id);
            return;
        }
        waiting.delete(id);
        if (outcome.response() != null) {
            held.delete(id);
            emit(record);
            return;
        }
        ValueAndTimestamp<ServedResponse> heldResponse = held.get(id);
        if (heldResponse != null) {
            held.delete(id);
            emit(record.withValue(new RequestWithResponse(outcome.request(), heldResponse.value())));
        } else if (responsesSeen.get(RESPONSES) == null) {
            emit(record);
        } else {
            waiting.put(id, ValueAndTimestamp.make(outcome.request(), record.timestamp()));
        }
    }

    private void emit(Record<String, RequestWithResponse> record) {
        emitted.put(record.key(), record.timestamp(), record.timestamp());
        context().forward(record);
    }

    /**
     * Emits the waiting requests whose response has not come within the hold, and dead-letters the held responses whose
     * request has not come within the deduplication retention.
     */
    private void releaseDue(long streamTime) {
        for (KeyValue<String, ValueAndTimestamp<ValidRequest>> entry : due(waiting, streamTime, holdMs)) {
            waiting.delete(entry.key);
            emit(new Record<>(entry.key, new RequestWithResponse(entry.value.value(), null), entry.value.timestamp()));
        }
        for (KeyValue<String, ValueAndTimestamp<ServedResponse>> entry : due(held, streamTime, dedupMs)) {
            held.delete(entry.key);
            context().forward(new Record<>(entry.key, new RequestWithResponse(null, entry.value.value()), entry.value.timestamp()));
        }
    }

    private static <V> List<KeyValue<String, ValueAndTimestamp<V>>> due(TimestampedKeyValueStore<String, V> store, long streamTime,
            long waitMs) {
        List<KeyValue<String, ValueAndTimestamp<V>>> due = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<V>> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, ValueAndTimestamp<V>> entry = all.next();
                if (entry.value.timestamp() + waitMs < streamTime) {
                    due.add(entry);
                }
            }
        }
        return due;
    }

    private boolean alreadyEmitted(String id, long timestamp) {
        try (WindowStoreIterator<Long> earlier = emitted.fetch(id, timestamp - dedupMs, timestamp + dedupMs)) {
            return earlier.hasNext();
        }
    }
}
