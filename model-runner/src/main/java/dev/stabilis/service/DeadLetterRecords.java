package dev.stabilis.service;

import dev.stabilis.contract.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/** Dead-letter records of the runner: the original key and headers, and a {@link DeadLetter} value naming the reason. */
final class DeadLetterRecords {

    private DeadLetterRecords() {}

    /**
     * @param requestId the request id when it is known, else null
     */
    static ProducerRecord<String, byte[]> of(String topic, ConsumerRecord<String, byte[]> source, String requestId, String reason,
            String detail) {
        DeadLetter letter = DeadLetter.of(requestId, reason, detail, source.topic(), source.partition(), source.offset(),
                source.timestamp(), DeadLetter.headers(source.headers()), source.value(), Integer.MAX_VALUE);
        ProducerRecord<String, byte[]> out = new ProducerRecord<>(topic, null, source.key(), letter.toJson());
        for (Header h : source.headers()) {
            out.headers().add(h);
        }
        return out;
    }
}
