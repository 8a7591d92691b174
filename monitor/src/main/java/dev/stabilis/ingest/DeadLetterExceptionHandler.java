package dev.stabilis.ingest;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams exception handler that sends what fails outside the classifier to the dead-letter topic as a
 * {@link DeadLetter} with reason {@link RejectReason#INTERNAL}, logs it, and continues. The dead-letter record
 * goes through the task's producer, so under exactly-once it commits with the task's other output.
 *
 * <ul>
 *   <li>Deserialization: the sources read raw bytes, so only a corrupt record in an internal (repartition)
 *       topic can fail; it is dead-lettered and skipped.</li>
 *   <li>Processing: an exception in a processor after classification is dead-lettered and the record skipped
 *       (the classifier itself turns failures into {@code INTERNAL} rejections).</li>
 *   <li>Production: a retriable send error is retried; a failed sample is dead-lettered and skipped; a failed
 *       <em>dead-letter</em> record fails the application instead, since it cannot be dead-lettered in turn
 *       (under exactly-once nothing is lost: the transaction aborts and the input is read again on restart).</li>
 * </ul>
 * The dead-letter topic is {@value IngestConfig#DLQ_TOPIC} from the application config.
 */
public final class DeadLetterExceptionHandler
        implements DeserializationExceptionHandler, ProcessingExceptionHandler, ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterExceptionHandler.class);

    private IngestConfig config = IngestConfig.defaults();

    @Override
    public void configure(Map<String, ?> configs) {
        config = IngestConfig.from(configs);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
            ConsumerRecord<byte[], byte[]> record, Exception exception) {
        SourceRecord source = SourceRecord.of(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value(), record.headers());
        return DeserializationExceptionHandler.Response.resume(deadLetter(source, "cannot deserialize", exception));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
            Exception exception) {
        return ProcessingExceptionHandler.Response.resume(deadLetter(source(context),
                "processing failed in " + context.processorNodeId(), exception));
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context,
            ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RetriableException) {
            return ProductionExceptionHandler.Response.retry();
        }
        return produceFailed(context, record.topic(), exception);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context,
            ProducerRecord record, Exception exception, SerializationExceptionOrigin origin) {
        return produceFailed(context, record.topic(), exception);
    }

    private ProductionExceptionHandler.Response produceFailed(ErrorHandlerContext context, String topic, Exception exception) {
        if (topic.equals(config.dlqTopic())) {
            LOG.error("Cannot write a dead-letter record to {}; failing", topic, exception);
            return ProductionExceptionHandler.Response.fail();
        }
        return ProductionExceptionHandler.Response.resume(deadLetter(source(context), "cannot produce to " + topic, exception));
    }

    private static SourceRecord source(ErrorHandlerContext context) {
        return SourceRecord.of(context.topic(), context.partition(), context.offset(), context.timestamp(),
                context.sourceRawKey(), context.sourceRawValue(), context.headers());
    }

    private List<ProducerRecord<byte[], byte[]>> deadLetter(SourceRecord source, String what, Exception exception) {
        LOG.warn("{} (record {}-{}@{}); sending it to {}", what, source.topic(), source.partition(), source.offset(),
                config.dlqTopic(), exception);
        Rejection rejection = new Rejection(eventId(source), RejectReason.INTERNAL, what + ": " + exception, source);
        byte[] value = rejection.deadLetter(config.maxPayloadBytes(), config.maxHeaderBytes()).toJson();
        Long timestamp = source.timestamp() < 0 ? null : source.timestamp();
        return List.of(new ProducerRecord<>(config.dlqTopic(), null, timestamp, rejection.key(config.maxHeaderBytes()), value,
                rejection.kafkaHeaders(config.maxHeaderBytes())));
    }

    private static String eventId(SourceRecord source) {
        try {
            return source.headerText("ce_id");
        } catch (PayloadException e) {
            return null;
        }
    }
}
