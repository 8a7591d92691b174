package dev.stabilis.ingest;

import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Classifies each consumed record and forwards the result keyed by request id (null for rejections). The
 * original headers stay in the event's {@link SourceRecord}, not on the forwarded record.
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
        String key = event instanceof ValidRequest request ? request.id()
                : event instanceof ServedResponse response ? response.id() : null;
        context().forward(new Record<>(key, event, record.timestamp()));
    }
}
