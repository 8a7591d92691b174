package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens to records that fail outside the classifier: dead-lettered as {@code INTERNAL} and skipped,
 * retried when the failure is transient, or failing the application when the dead letter itself cannot be
 * written.
 */
class DeadLetterExceptionHandlerTest {

    private static final String DLQ = "ops.dlq";
    private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE = "{\"instances\": [[1.0]]}".getBytes(StandardCharsets.UTF_8);

    private final DeadLetterExceptionHandler handler = new DeadLetterExceptionHandler();
    private final Headers headers = new RecordHeaders().add("ce_id", "abc-1".getBytes(StandardCharsets.UTF_8));
    private final Context context = new Context("inference-requests", 3, 41, headers, "ingest-split-rows",
            new TaskId(0, 3), 1_700_000_000_000L, KEY, VALUE);

    /** The context Kafka Streams hands to the handler. */
    private record Context(String topic, int partition, long offset, Headers headers, String processorNodeId,
            TaskId taskId, long timestamp, byte[] sourceRawKey, byte[] sourceRawValue) implements ErrorHandlerContext {}

    @BeforeEach
    void configure() {
        handler.configure(Map.of(IngestConfig.DLQ_TOPIC, DLQ, "application.id", "stabilis-ingest"));
    }

    private static JsonNode json(ProducerRecord<byte[], byte[]> record) {
        return IngestDriver.json(record.value());
    }

    @Test
    void deadLettersAProcessingFailureAsInternalWithTheSourceRecordAndResumes() {
        ProcessingExceptionHandler.Response response = handler.handleError(context,
                new Record<>("abc-1", "value", 1L), new IllegalStateException("boom"));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(record -> {
            assertThat(record.topic()).isEqualTo(DLQ);
            assertThat(record.key()).isEqualTo(KEY);
            assertThat(record.headers().toArray()).isEqualTo(headers.toArray());
            assertThat(record.timestamp()).isEqualTo(context.timestamp());
            JsonNode letter = json(record);
            assertThat(letter.get("requestId").asText()).isEqualTo("abc-1");
            assertThat(letter.get("reason").asText()).isEqualTo("INTERNAL");
            assertThat(letter.get("detail").asText()).contains("ingest-split-rows", "IllegalStateException", "boom");
            assertThat(letter.get("sourceTopic").asText()).isEqualTo("inference-requests");
            assertThat(letter.get("partition").asInt()).isEqualTo(3);
            assertThat(letter.get("offset").asLong()).isEqualTo(41);
            assertThat(Base64.getDecoder().decode(letter.get("originalBase64").asText())).isEqualTo(VALUE);
        });
    }

    @Test
    void deadLettersARecordOfAnInternalTopicThatCannotBeDeserializedAndResumes() {
        ConsumerRecord<byte[], byte[]> corrupt = new ConsumerRecord<>("stabilis-ingest-ingest-requests-by-id-repartition", 1,
                7, 1_700_000_000_000L, TimestampType.CREATE_TIME, 1, 3, KEY, new byte[] {'{'}, new RecordHeaders(), Optional.empty());

        DeserializationExceptionHandler.Response response = handler.handleError(context, corrupt, new RuntimeException("bad"));

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(record -> {
            JsonNode letter = json(record);
            assertThat(letter.get("reason").asText()).isEqualTo("INTERNAL");
            assertThat(letter.get("sourceTopic").asText()).isEqualTo(corrupt.topic());
            assertThat(letter.get("offset").asLong()).isEqualTo(7);
            assertThat(letter.get("requestId").isNull()).isTrue();
        });
    }

    @Test
    void deadLettersASampleThatCannotBeProducedAndResumes() {
        ProducerRecord<byte[], byte[]> sample = new ProducerRecord<>("stabilis.samples", KEY, VALUE);

        ProductionExceptionHandler.Response response = handler.handleError(context, sample, new RecordTooLargeException("too big"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement()
                .satisfies(record -> assertThat(json(record).get("detail").asText()).contains("stabilis.samples", "too big"));
    }

    @Test
    void retriesATransientSendError() {
        ProducerRecord<byte[], byte[]> sample = new ProducerRecord<>("stabilis.samples", KEY, VALUE);

        ProductionExceptionHandler.Response response = handler.handleError(context, sample, new TimeoutException("slow"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RETRY);
    }

    @Test
    void failsWhenADeadLetterItselfCannotBeProduced() {
        ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(DLQ, KEY, VALUE);

        ProductionExceptionHandler.Response response = handler.handleError(context, letter, new RecordTooLargeException("too big"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }
}
