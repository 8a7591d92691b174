package dev.stabilis.ingest;

import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/** Turns rejections into dead-letter records: original key and headers, {@link DeadLetter} JSON as value. */
final class DeadLetterProcessor extends ContextualProcessor<String, Rejection, byte[], byte[]> {

    private final int maxOriginalBytes;

    DeadLetterProcessor(int maxOriginalBytes) {
        this.maxOriginalBytes = maxOriginalBytes;
    }

    @Override
    public void process(Record<String, Rejection> record) {
        Rejection rejection = record.value();
        byte[] value = JsonSerde.toJson(rejection.deadLetter(maxOriginalBytes));
        context().forward(new Record<>(rejection.source().key(), value, record.timestamp(),
                rejection.source().kafkaHeaders()));
    }
}
