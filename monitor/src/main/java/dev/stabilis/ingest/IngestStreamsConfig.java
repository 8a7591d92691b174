package dev.stabilis.ingest;

import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

/** The Kafka Streams configuration the ingest topology is meant to run with. */
public final class IngestStreamsConfig {

    private IngestStreamsConfig() {}

    /**
     * Exactly-once v2, the dead-letter exception handlers, byte-array default serdes (every operator names its
     * own), and the ingest settings (read by {@link DeadLetterExceptionHandler}).
     *
     * @param ingest the topology's settings, written as {@link IngestConfig} keys
     */
    public static Properties properties(String applicationId, String bootstrapServers, IngestConfig ingest) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class);
        props.put(IngestConfig.REQUESTS_TOPIC, ingest.requestsTopic());
        if (ingest.responsesTopic() != null) {
            props.put(IngestConfig.RESPONSES_TOPIC, ingest.responsesTopic());
        }
        props.put(IngestConfig.SAMPLES_TOPIC, ingest.samplesTopic());
        props.put(IngestConfig.DLQ_TOPIC, ingest.dlqTopic());
        props.put(IngestConfig.MAX_PAYLOAD_BYTES, Integer.toString(ingest.maxPayloadBytes()));
        props.put(IngestConfig.MAX_HEADER_BYTES, Integer.toString(ingest.maxHeaderBytes()));
        props.put(IngestConfig.JOIN_ENABLED, Boolean.toString(ingest.joinEnabled()));
        props.put(IngestConfig.JOIN_WINDOW_MS, Long.toString(ingest.joinWindow().toMillis()));
        props.put(IngestConfig.JOIN_GRACE_MS, Long.toString(ingest.joinGrace().toMillis()));
        props.put(IngestConfig.DEDUP_RETENTION_MS, Long.toString(ingest.dedupRetention().toMillis()));
        return props;
    }
}
