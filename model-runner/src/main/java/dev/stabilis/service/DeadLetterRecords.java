package dev.stabilis.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.deadletter.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/** Dead-letter records of the runner: the original key and headers, and a {@link DeadLetter} value naming the reason. */
final class DeadLetterRecords {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private DeadLetterRecords() {}

    /**
     * @param requestId the request id when it is known, else null
     */
    static ProducerRecord<String, byte[]> of(String topic, ConsumerRecord<String, byte[]> source, String requestId, String reason,
            String detail) {
        DeadLetter letter = DeadLetter.of(requestId, reason, detail, source.topic(), source.partition(), source.offset(),
                source.timestamp(), DeadLetter.headers(source.headers()), source.value(), Integer.MAX_VALUE);
        ProducerRecord<String, byte[]> out;
        try {
            out = new ProducerRecord<>(topic, null, source.key(), JSON.writeValueAsBytes(letter));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a dead-letter record", e);
        }
        for (Header h : source.headers()) {
            out.headers().add(h);
        }
        return out;
    }
}
