package dev.stabilis.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Kafka records as KServe's payload logger writes them through a Knative KafkaSink: CloudEvents in binary mode
 * ({@code ce_*} headers, the HTTP body as the value, no key), request and response sharing one {@code ce_id}.
 */
public final class KServeRecords {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String service;
    private final String namespace;

    /**
     * @param service the InferenceService name (the model Stabilis looks up)
     */
    public KServeRecords(String service, String namespace) {
        this.service = service;
        this.namespace = namespace;
    }

    /** A logged Open Inference Protocol (V2) request of one sample. */
    public ProducerRecord<String, byte[]> request(String topic, String id, float[] features) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", id);
        ObjectNode input = body.putArray("inputs").addObject();
        input.put("name", "input");
        input.putArray("shape").add(1).add(features.length);
        input.put("datatype", "FP32");
        ArrayNode data = input.putArray("data");
        for (float f : features) {
            data.add(f);
        }
        return event(topic, id, "org.kubeflow.serving.inference.request", bytes(body));
    }

    /** The logged V1 response naming the served class. */
    public ProducerRecord<String, byte[]> response(String topic, String id, int servedClass) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("predictions").add(servedClass);
        return event(topic, id, "org.kubeflow.serving.inference.response", bytes(body));
    }

    /** A logged request whose body is not valid JSON (a truncated upload). */
    public ProducerRecord<String, byte[]> malformedRequest(String topic, String id) {
        return event(topic, id, "org.kubeflow.serving.inference.request",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": [0.0, 0.25,".getBytes(StandardCharsets.UTF_8));
    }

    private ProducerRecord<String, byte[]> event(String topic, String id, String type, byte[] body) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, null, body);
        header(record, "ce_specversion", "1.0");
        header(record, "ce_id", id);
        header(record, "ce_type", type);
        header(record, "ce_source", "http://localhost:9081/");
        header(record, "ce_time", Instant.now().toString());
        header(record, "ce_inferenceservicename", service);
        header(record, "ce_namespace", namespace);
        header(record, "ce_component", "predictor");
        header(record, "ce_endpoint", "");
        header(record, "ce_metadata", "{}");
        header(record, "content-type", "application/json");
        return record;
    }

    private static void header(ProducerRecord<String, byte[]> record, String name, String value) {
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
