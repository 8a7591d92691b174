package dev.stabilis.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Sample records as ingest writes them to the samples topic, for tests that feed the runner directly. */
final class SampleRecords {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SampleRecords() {}

    /** One sample of the demo model {@code digits} without a served class, keyed by model. */
    static ProducerRecord<String, byte[]> digits(String topic, String id, String version, float[] features) {
        ObjectNode sample = JSON.createObjectNode().put("requestId", id).put("index", 0).put("model", "digits").put("version", version)
                .put("format", "OPEN_INFERENCE_V2");
        for (float value : features) {
            sample.withArray("features").add(value);
        }
        long now = System.currentTimeMillis();
        sample.putNull("servedClass").putNull("servedOutput").put("receivedAt", now).put("eventTime", now);
        try {
            return new ProducerRecord<>(topic, "digits", JSON.writeValueAsBytes(sample));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
