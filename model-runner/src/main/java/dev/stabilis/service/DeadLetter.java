package dev.stabilis.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A dead-letter record for {@code stabilis.dlq}: the original key, value bytes and headers, plus a JSON value
 * that names the reason. Nothing the runner cannot explain is dropped.
 */
public final class DeadLetter {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private DeadLetter() {}

    /**
     * @param requestId the request id when it is known, else null
     */
    public static ProducerRecord<String, byte[]> of(String topic, ConsumerRecord<String, byte[]> source, String requestId,
            String reason, String detail) {
        ObjectNode root = JSON.createObjectNode();
        root.put("requestId", requestId);
        root.put("reason", reason);
        root.put("detail", detail);
        root.put("sourceTopic", source.topic());
        root.put("partition", source.partition());
        root.put("offset", source.offset());
        root.put("timestamp", source.timestamp());
        ObjectNode headers = root.putObject("headers");
        for (Header h : source.headers()) {
            headers.put(h.key(), text(h.value()));
        }
        root.put("originalBase64", source.value() == null ? null : Base64.getEncoder().encodeToString(source.value()));
        ProducerRecord<String, byte[]> out;
        try {
            out = new ProducerRecord<>(topic, null, source.key(), JSON.writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a dead-letter record", e);
        }
        for (Header h : source.headers()) {
            out.headers().add(h);
        }
        return out;
    }

    /** A header value as UTF-8 text, or base64 when it is not valid UTF-8. */
    private static String text(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return "base64:" + Base64.getEncoder().encodeToString(value);
        }
    }
}
