package dev.stabilis.ingest;

import java.time.Duration;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets one join outcome per request id through. The outer join emits a request without its response once stream
 * time passes the join window and grace; stream time is per task and follows whichever side it reads first, so when
 * one side lags the other by more than that (catching up after a restart, when upstream tasks recover unevenly) the
 * same request can leave once unmatched and again when its response arrives while it is still in the join store.
 * The first outcome wins; a later one for the same request is dropped, and a response that arrives after its request
 * has left is dropped rather than dead-lettered as unmatched. The ids live in a window store (changelogged, so the
 * decision holds across restarts under exactly-once) for twice the join store's retention.
 */
final class FirstOutcomeProcessor extends ContextualProcessor<String, RequestWithResponse, String, RequestWithResponse> {

    static final String STORE = "ingest-first-outcome";

    private static final Logger LOG = LoggerFactory.getLogger(FirstOutcomeProcessor.class);

    private final long retentionMs;
    private WindowStore<String, Long> emitted;

    private FirstOutcomeProcessor(long retentionMs) {
        this.retentionMs = retentionMs;
    }

    /**
     * @param window the join window (largest request/response time difference)
     * @param grace the join grace
     */
    static ProcessorSupplier<String, RequestWithResponse, String, RequestWithResponse> supplier(Duration window, Duration grace) {
        // the join keeps a request for 2 × window + grace of stream time: a second outcome comes within that
        Duration retention = window.multipliedBy(2).plus(grace).multipliedBy(2).plusSeconds(1);
        return new ProcessorSupplier<>() {
            @Override
            public FirstOutcomeProcessor get() {
                return new FirstOutcomeProcessor(retention.toMillis());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.windowStoreBuilder(Stores.persistentWindowStore(STORE, retention, Duration.ofMillis(1), false),
                        Serdes.String(), Serdes.Long()));
            }
        };
    }

    @Override
    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<String, RequestWithResponse> context) {
        super.init(context);
        emitted = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, RequestWithResponse> record) {
        RequestWithResponse outcome = record.value();
        boolean requestLeft = alreadyEmitted(record.key(), record.timestamp());
        if (outcome.request() == null) {
            if (requestLeft) {
                LOG.info("response {} arrived after its request was emitted without it; dropped", record.key());
                return;
            }
            context().forward(record);
            return;
        }
        if (requestLeft) {
            LOG.info("request {} was already emitted; its later join outcome is dropped", record.key());
            return;
        }
        emitted.put(record.key(), record.timestamp(), record.timestamp());
        context().forward(record);
    }

    private boolean alreadyEmitted(String id, long timestamp) {
        try (WindowStoreIterator<Long> earlier = emitted.fetch(id, timestamp - retentionMs, timestamp + retentionMs)) {
            return earlier.hasNext();
        }
    }
}
