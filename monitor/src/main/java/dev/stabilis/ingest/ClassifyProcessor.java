package dev.stabilis.ingest;

import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Classifies each consumed record and forwards the result keyed by request id (null for rejections). The
 * original headers stay in the event's {@link SourceRecord}, not on the forwarded record.
 *
 * <p>Requests and responses go on with their {@linkplain #joinTime join time}, so that the join and everything
 * after it run on when the server logged the exchange, not on when the log reached Kafka.
 */
final class ClassifyProcessor extends ContextualProcessor<byte[], byte[], String, IngestEvent> {

    private final RecordClassifier classifier;

    ClassifyProcessor(RecordClassifier classifier) {
        this.classifier = classifier;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata origin = context().recordMetadata().orElseThrow();
        SourceRecord source = SourceRecord.of(origin.topic(), origin.partition(), origin.offset(), record.timestamp(),
                record.key(), record.value(), record.headers());
        IngestEvent event = classifier.classify(source, context().currentSystemTimeMs());
        String key = null;
        long time = record.timestamp();
        if (event instanceof ValidRequest request) {
            key = request.id();
            time = joinTime(request.eventTime(), time);
        } else if (event instanceof ServedResponse response) {
            key = response.id();
            time = joinTime(response.eventTime(), time);
        }
        context().forward(new Record<>(key, event, time));
    }

    /**
     * The event's time, but never later than the record's timestamp. A request and its response logged together
     * but delivered apart (one of them retried across a broker outage, a sink's backlog) keep the times they were
     * logged at and meet in the join window; with the record timestamps they would lie as far apart as the delay.
     * The cap keeps a logger clock running ahead from moving stream time past what the broker accepted.
     */
    static long joinTime(long eventTime, long recordTimestamp) {
        return Math.min(eventTime, recordTimestamp);
    }
}
