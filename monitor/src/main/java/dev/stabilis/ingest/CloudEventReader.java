package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEventData;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.core.message.MessageReader;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.KafkaMessageFactory;
import io.cloudevents.rw.CloudEventRWException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Reads the CloudEvents envelope of a Kafka record with the CloudEvents SDK's Kafka protocol binding
 * ({@link KafkaMessageFactory#createReader}): <em>structured</em> mode when the {@code content-type} header names
 * a registered event format ({@code application/cloudevents+json}), <em>binary</em> mode when a
 * {@code ce_specversion} header is present.
 *
 * <p>The SDK decides the mode and reads the attributes, extensions and data; around it the ingest keeps its own
 * rules, so that every bad event still gets a dead-letter reason: {@code ce_*} and {@code content-type} headers
 * must be UTF-8 (the SDK would replace bad bytes); a record with {@code ce_*} headers but no
 * {@code ce_specversion} is a CloudEvent missing its spec version, not a plain record; a structured event is
 * parsed by {@link PayloadJson} (size limit, strict UTF-8, nesting limit, {@code NaN} readable so it can be
 * rejected as non-finite) before the SDK's Jackson deserializer turns it into an event; a required attribute
 * absent or empty is {@link RejectReason#MISSING_ATTRIBUTE}, anything else the SDK refuses (a spec version other
 * than 1.0, an attribute of the wrong JSON type, both {@code data} and {@code data_base64}, an invalid time or
 * extension name) is {@link RejectReason#INVALID_ATTRIBUTE}. The {@code datacontenttype} is not used to read the
 * data: KServe copies the request's content type into the response event.
 */
final class CloudEventReader {

    private static final String CE_PREFIX = "ce_";
    private static final String CONTENT_TYPE = "content-type";
    private static final String STRUCTURED_PREFIX = "application/cloudevents";

    private final PayloadJson json;

    CloudEventReader(PayloadJson json) {
        this.json = json;
    }

    /** The event, or empty when the record carries no CloudEvent. */
    Optional<CloudEvent> read(SourceRecord record) {
        requireUtf8EnvelopeHeaders(record);
        RecordHeaders headers = sdkHeaders(record);
        MessageReader message;
        try {
            message = KafkaMessageFactory.createReader(headers, record.value());
        } catch (CloudEventRWException e) {
            if (e.getKind() != CloudEventRWException.CloudEventRWExceptionKind.UNKNOWN_ENCODING) {
                throw invalid("header " + CE_PREFIX + "specversion", e);
            }
            return notACloudEvent(record);
        }
        return Optional.of(message.getEncoding() == Encoding.STRUCTURED ? structured(message) : binary(message, headers));
    }

    /**
     * Empty for a record in neither content mode, unless it looks like a CloudEvent: {@code ce_*} headers without
     * {@code ce_specversion}, or a structured content type in a format other than JSON.
     */
    private static Optional<CloudEvent> notACloudEvent(SourceRecord record) {
        if (record.hasHeaderStartingWith(CE_PREFIX)) {
            throw new PayloadException(RejectReason.MISSING_ATTRIBUTE, "CloudEvent without header " + CE_PREFIX + "specversion");
        }
        String contentType = record.headerText(CONTENT_TYPE);
        if (contentType != null && contentType.startsWith(STRUCTURED_PREFIX)) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "structured CloudEvent of content type '" + contentType
                    + "': only " + JsonFormat.CONTENT_TYPE + " is read");
        }
        return Optional.empty();
    }

    private CloudEvent binary(MessageReader message, Headers headers) {
        requireMandatory(name -> {
            Header header = headers.lastHeader(CE_PREFIX + name);
            return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }, name -> "header " + CE_PREFIX + name);
        io.cloudevents.CloudEvent event;
        try {
            event = message.toEvent();
        } catch (RuntimeException e) {
            throw invalid("binary-mode headers", e);
        }
        return view(event, "header " + CE_PREFIX, () -> {
            byte[] data = event.getData() == null ? null : event.getData().toBytes();
            if (data == null || data.length == 0) {
                throw new PayloadException(RejectReason.EMPTY, "the event has no data (empty record value)");
            }
            return json.readObject(data);
        });
    }

    private CloudEvent structured(MessageReader message) {
        byte[] bytes = message.read((format, value) -> value);
        if (bytes == null || bytes.length == 0) {
            throw new PayloadException(RejectReason.EMPTY, "structured CloudEvent record has no value");
        }
        JsonNode tree = json.readObject(bytes);
        requireMandatory(name -> {
            JsonNode value = tree.get(name);
            return value == null || value.isNull() ? null : value.isTextual() ? value.asText() : value.toString();
        }, name -> "attribute " + name);
        io.cloudevents.CloudEvent event = json.toCloudEvent(tree);
        return view(event, "attribute ", () -> data(event.getData()));
    }

    /** The structured event's data: JSON (an object, or a string holding one), or the bytes of {@code data_base64}. */
    private JsonNode data(CloudEventData data) {
        if (data instanceof JsonCloudEventData jsonData) {
            JsonNode node = jsonData.getNode();
            if (node == null || node.isNull()) {
                throw new PayloadException(RejectReason.EMPTY, "the event has no data");
            }
            if (node.isTextual()) {
                return json.readObject(node.asText().getBytes(StandardCharsets.UTF_8));
            }
            if (!node.isObject()) {
                throw new PayloadException(RejectReason.UNKNOWN_FORMAT, "the event data is not a JSON object");
            }
            return node;
        }
        byte[] bytes = data == null ? null : data.toBytes();
        if (bytes == null) {
            throw new PayloadException(RejectReason.EMPTY, "the event has no data");
        }
        return json.readObject(bytes);
    }

    /** The parts the ingest needs, checked: CloudEvents 1.0, an RFC 3339 time within epoch milliseconds, string extensions. */
    private static CloudEvent view(io.cloudevents.CloudEvent event, String describe, Supplier<JsonNode> data) {
        if (event.getSpecVersion() != SpecVersion.V1) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, describe + "specversion is '" + event.getSpecVersion()
                    + "', only CloudEvents " + SpecVersion.V1 + " is supported");
        }
        return new CloudEvent(event.getId(), type(event.getType()), event.getType(), extension(event, "inferenceservicename", describe),
                time(event.getTime(), describe), extension(event, "endpoint", describe), extension(event, "namespace", describe), data);
    }

    private static CloudEvent.Type type(String type) {
        for (CloudEvent.Type known : List.of(CloudEvent.Type.REQUEST, CloudEvent.Type.RESPONSE)) {
            if (known.value().equals(type)) {
                return known;
            }
        }
        return CloudEvent.Type.OTHER;
    }

    private static Long time(OffsetDateTime time, String describe) {
        if (time == null) {
            return null;
        }
        try {
            return time.toInstant().toEpochMilli();
        } catch (ArithmeticException e) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, describe + "time '" + time
                    + "' is outside what epoch milliseconds can hold");
        }
    }

    /** A string extension, null when absent or blank. */
    private static String extension(io.cloudevents.CloudEvent event, String name, String describe) {
        Object value = event.getExtension(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, describe + name + " is not a string");
        }
        return text.isBlank() ? null : text;
    }

    /** Rejects an event whose required attribute (by the SDK's list for 1.0) is absent or empty. */
    private static void requireMandatory(Function<String, String> lookup, Function<String, String> describe) {
        for (String name : SpecVersion.V1.getMandatoryAttributes()) {
            String value = lookup.apply(name);
            if (value == null || value.isEmpty()) {
                throw new PayloadException(RejectReason.MISSING_ATTRIBUTE, "CloudEvent without " + describe.apply(name));
            }
        }
    }

    /** The envelope headers the SDK reads must be text: it would decode bad UTF-8 into replacement characters. */
    private static void requireUtf8EnvelopeHeaders(SourceRecord record) {
        for (SourceRecord.SourceHeader header : record.headers()) {
            String name = header.name();
            boolean envelope = name.equalsIgnoreCase(CONTENT_TYPE) || name.regionMatches(true, 0, CE_PREFIX, 0, CE_PREFIX.length());
            if (envelope && header.value() != null && SourceRecord.utf8(header.value()) == null) {
                throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "header " + name + " is not valid UTF-8");
            }
        }
    }

    /** The record's headers for the SDK, without null values (a header without a value is absent). */
    private static RecordHeaders sdkHeaders(SourceRecord record) {
        RecordHeaders headers = new RecordHeaders();
        record.headers().stream().filter(h -> h.value() != null).forEach(h -> headers.add(h.name(), h.value()));
        return headers;
    }

    private static PayloadException invalid(String where, RuntimeException e) {
        return new PayloadException(RejectReason.INVALID_ATTRIBUTE, "invalid CloudEvent " + where + ": " + PayloadJson.firstLine(e.getMessage()));
    }
}
