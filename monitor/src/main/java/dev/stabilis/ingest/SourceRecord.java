package dev.stabilis.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A consumed record as it arrived (coordinates, key, value and headers), kept so that a rejection can be
 * written to the dead-letter topic with everything needed to inspect or replay it.
 *
 * @param value the value bytes, or null for a tombstone
 */
record SourceRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
        List<SourceHeader> headers) {

    /** One header; the value may be null. */
    record SourceHeader(String name, byte[] value) {}

    SourceRecord {
        headers = List.copyOf(headers);
    }

    static SourceRecord of(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
            Headers headers) {
        List<SourceHeader> copy = new ArrayList<>();
        if (headers != null) {
            for (Header header : headers) {
                copy.add(new SourceHeader(header.key(), header.value()));
            }
        }
        return new SourceRecord(topic, partition, offset, timestamp, key, value, copy);
    }

    /** The headers as Kafka headers, in their original order (duplicates included). */
    Headers kafkaHeaders() {
        RecordHeaders out = new RecordHeaders();
        headers.forEach(h -> out.add(h.name(), h.value()));
        return out;
    }

    /** The size of the headers as Kafka counts them: the UTF-8 bytes of every name and value. */
    int headerBytes() {
        int bytes = 0;
        for (SourceHeader h : headers) {
            bytes += h.name().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length);
        }
        return bytes;
    }

    /** Whether some header name starts with the prefix, ignoring case. */
    boolean hasHeaderStartingWith(String prefix) {
        return headers.stream().anyMatch(h -> h.name().regionMatches(true, 0, prefix, 0, prefix.length()));
    }

    /**
     * The value of the last header with this name (ignoring case) as text, or null when there is none.
     *
     * @throws PayloadException {@link RejectReason#INVALID_ATTRIBUTE} when the value is not UTF-8
     */
    String headerText(String name) {
        for (int i = headers.size() - 1; i >= 0; i--) {
            SourceHeader header = headers.get(i);
            if (header.name().equalsIgnoreCase(name)) {
                if (header.value() == null) {
                    return null;
                }
                String text = utf8(header.value());
                if (text == null) {
                    throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "header " + header.name() + " is not valid UTF-8");
                }
                return text;
            }
        }
        return null;
    }

    /** The bytes decoded as UTF-8, or null when they are not valid UTF-8. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
