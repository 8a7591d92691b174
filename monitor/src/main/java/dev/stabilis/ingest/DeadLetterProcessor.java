package dev.stabilis.ingest;

import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns rejections into dead-letter records: original key and headers (each within the header limit),
 * {@link dev.stabilis.contract.DeadLetter} JSON as value.
 */
final class DeadLetterProcessor extends ContextualProcessor<String, Rejection, byte[], byte[]> {

    private final int maxOriginalBytes;
    private final int maxHeaderBytes;

    DeadLetterProcessor(int maxOriginalBytes, int maxHeaderBytes) {
        this.maxOriginalBytes = maxOriginalBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    @Override
    public void process(Record<String, Rejection> record) {
        Rejection rejection = record.value();
        byte[] value = rejection.deadLetter(maxOriginalBytes, maxHeaderBytes).toJson();
        context().forward(new Record<>(rejection.key(maxHeaderBytes), value, record.timestamp(),
                rejection.kafkaHeaders(maxHeaderBytes)));
    }
}
