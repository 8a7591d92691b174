package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A Kafka record as the KServe logger (through a Knative KafkaSink) writes it, read from a test resource
 * {@code {"headers": {name: value}, "value": <JSON>}}, or built in a test from a body and headers.
 */
public final class KafkaRecordFixture {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> headers;
    private final byte[] value;

    private KafkaRecordFixture(Map<String, String> headers, byte[] value) {
        this.headers = headers;
        this.value = value;
    }

    /** A fixture under {@code src/test/resources/kserve/}. */
    public static KafkaRecordFixture load(String name) {
        try (InputStream in = KafkaRecordFixture.class.getResourceAsStream("/kserve/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            JsonNode root = JSON.readTree(in);
            Map<String, String> headers = new LinkedHashMap<>();
            root.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            return new KafkaRecordFixture(headers, JSON.writeValueAsBytes(root.get("value")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record without headers. */
    static KafkaRecordFixture plain(String body) {
        return new KafkaRecordFixture(new LinkedHashMap<>(), body.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy with a header set, or removed when the value is null. */
    public KafkaRecordFixture withHeader(String name, String headerValue) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        if (headerValue == null) {
            copy.remove(name);
        } else {
            copy.put(name, headerValue);
        }
        return new KafkaRecordFixture(copy, value);
    }

    /** A copy with another value. */
    KafkaRecordFixture withValue(byte[] newValue) {
        return new KafkaRecordFixture(headers, newValue);
    }

    String header(String name) {
        return headers.get(name);
    }

    byte[] value() {
        return value.clone();
    }

    /** The value as JSON. */
    JsonNode body() {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record for a producer, with no key. */
    public org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> to(String topic) {
        RecordHeaders kafkaHeaders = new RecordHeaders();
        headers.forEach((name, text) -> kafkaHeaders.add(name, text.getBytes(StandardCharsets.UTF_8)));
        return new org.apache.kafka.clients.producer.ProducerRecord<>(topic, null, (byte[]) null, value.clone(), kafkaHeaders);
    }

    /** The record with no key, timestamped. */
    TestRecord<byte[], byte[]> at(Instant timestamp) {
        RecordHeaders kafkaHeaders = new RecordHeaders();
        headers.forEach((name, text) -> kafkaHeaders.add(name, text.getBytes(StandardCharsets.UTF_8)));
        return new TestRecord<>(null, value.clone(), kafkaHeaders, timestamp);
    }
}
