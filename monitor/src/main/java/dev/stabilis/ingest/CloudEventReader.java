package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads the CloudEvents envelope of a Kafka record, in either content mode of the CloudEvents Kafka protocol
 * binding: <em>structured</em> when the {@code content-type} header starts with {@code application/cloudevents}
 * (the value is the whole event as JSON, with {@code data} or {@code data_base64}), otherwise <em>binary</em>
 * when any header starts with {@code ce_} (attributes in {@code ce_*} headers, the value is the data). The
 * {@code datacontenttype} is ignored: KServe copies the request's content type into the response event.
 */
final class CloudEventReader {

    private static final String SPEC_VERSION = "1.0";

    private final PayloadJson json;

    CloudEventReader(PayloadJson json) {
        this.json = json;
    }

    /** The event, or empty when the record carries no CloudEvent. */
    Optional<CloudEvent> read(SourceRecord record) {
        String contentType = record.headerText("content-type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents")) {
            return Optional.of(structured(record));
        }
        if (record.hasHeaderStartingWith("ce_")) {
            return Optional.of(binary(record));
        }
        return Optional.empty();
    }

    private CloudEvent binary(SourceRecord record) {
        Attributes attributes = new Attributes(name -> record.headerText("ce_" + name), name -> "header ce_" + name);
        return attributes.event(() -> {
            if (record.value() == null || record.value().length == 0) {
                throw new PayloadException(RejectReason.EMPTY, "the event has no data (empty record value)");
            }
            return json.readObject(record.value());
        });
    }

    private CloudEvent structured(SourceRecord record) {
        if (record.value() == null) {
            throw new PayloadException(RejectReason.EMPTY, "structured CloudEvent record has no value");
        }
        JsonNode event = json.readObject(record.value());
        Attributes attributes = new Attributes(name -> attribute(event, name), name -> "attribute " + name);
        return attributes.event(() -> data(event));
    }

    private JsonNode data(JsonNode event) {
        JsonNode data = event.get("data");
        JsonNode base64 = event.get("data_base64");
        if (data != null && base64 != null) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "the event has both data and data_base64");
        }
        if (base64 != null) {
            if (!base64.isTextual()) {
                throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "data_base64 is not a string");
            }
            try {
                return json.readObject(Base64.getDecoder().decode(base64.asText()));
            } catch (IllegalArgumentException e) {
                throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "data_base64 is not valid base64: " + e.getMessage());
            }
        }
        if (data == null || data.isNull()) {
            throw new PayloadException(RejectReason.EMPTY, "the event has no data");
        }
        return data.isTextual() ? json.readObject(data.asText().getBytes(StandardCharsets.UTF_8)) : requireObject(data);
    }

    private static JsonNode requireObject(JsonNode data) {
        if (!data.isObject()) {
            throw new PayloadException(RejectReason.UNKNOWN_FORMAT, "the event data is not a JSON object");
        }
        return data;
    }

    private static String attribute(JsonNode event, String name) {
        JsonNode value = event.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "attribute " + name + " is not a string");
        }
        return value.asText();
    }

    /** Attribute lookup and checks shared by both content modes. */
    private record Attributes(Function<String, String> lookup, Function<String, String> describe) {

        /** Checks the required attributes; the data is read when asked for. */
        CloudEvent event(Supplier<JsonNode> data) {
            String version = require("specversion");
            if (!version.equals(SPEC_VERSION)) {
                throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, describe.apply("specversion") + " is '" + version
                        + "', only CloudEvents " + SPEC_VERSION + " is supported");
            }
            String id = require("id");
            require("source");
            String typeName = require("type");
            return new CloudEvent(id, type(typeName), typeName, optional("inferenceservicename"), time(), optional("endpoint"), optional("namespace"), data);
        }

        private static CloudEvent.Type type(String type) {
            for (CloudEvent.Type known : List.of(CloudEvent.Type.REQUEST, CloudEvent.Type.RESPONSE)) {
                if (known.value().equals(type)) {
                    return known;
                }
            }
            return CloudEvent.Type.OTHER;
        }

        private Long time() {
            String time = lookup.apply("time");
            if (time == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(time).toInstant().toEpochMilli();
            } catch (DateTimeException | ArithmeticException e) {
                // not RFC 3339, or outside what epoch milliseconds can hold (a nine-digit year)
                throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, describe.apply("time") + " '" + time
                        + "' is not an RFC 3339 timestamp");
            }
        }

        private String optional(String name) {
            String value = lookup.apply(name);
            return value == null || value.isBlank() ? null : value;
        }

        private String require(String name) {
            String value = lookup.apply(name);
            if (value == null || value.isEmpty()) {
                throw new PayloadException(RejectReason.MISSING_ATTRIBUTE, "CloudEvent without " + describe.apply(name));
            }
            return value;
        }
    }
}
