package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventSerializer;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes an alert as a binary-mode CloudEvent with the CloudEvents SDK's Kafka binding: the alert JSON is the
 * record value, the attributes are {@code ce_*} headers. {@code ce_id} is the alert id, {@code ce_type}
 * {@code dev.stabilis.alert.<kind in lower case>}, {@code ce_source} {@value #SOURCE}, {@code ce_subject} the model,
 * {@code ce_time} when the alert started (fired) or ended (resolved), {@code ce_dataschema} the alert schema's id, and
 * the extensions {@code ce_status}, {@code ce_severity}, {@code ce_model} and {@code ce_modelversion} let a Knative
 * Trigger filter on them.
 */
final class AlertEvents implements Serializer<Alert> {

    static final String SOURCE = "/stabilis/detect";
    static final URI DATA_SCHEMA = URI.create("urn:dev.stabilis:schema:alert:1");

    private final CloudEventSerializer binary = new CloudEventSerializer();

    AlertEvents() {
        binary.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
    }

    /** The CloudEvent of an alert. */
    static CloudEvent event(Alert alert) {
        String time = Alert.RESOLVED.equals(alert.status()) ? alert.endsAt() : alert.startsAt();
        return CloudEventBuilder.v1()
                .withId(alert.alertId())
                .withSource(URI.create(SOURCE))
                .withType(Alerts.eventType(alert.kind()))
                .withSubject(alert.model())
                .withTime(OffsetDateTime.parse(time))
                .withDataSchema(DATA_SCHEMA)
                .withDataContentType("application/json")
                .withExtension("status", alert.status())
                .withExtension("severity", alert.severity())
                .withExtension("model", alert.model())
                .withExtension("modelversion", alert.version())
                .withData(alert.toJson())
                .build();
    }

    @Override
    public byte[] serialize(String topic, Alert alert) {
        return serialize(topic, new RecordHeaders(), alert);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, Alert alert) {
        return alert == null ? null : binary.serialize(topic, headers, event(alert));
    }
}
