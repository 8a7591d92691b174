package dev.stabilis.detect;

import dev.stabilis.contract.ContractException;
import dev.stabilis.contract.DeadLetter;
import dev.stabilis.contract.Explanation;

import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Reads explanation records: a well-formed one is shown to the {@link ExplanationListener} and passed to the
 * sample rules, the baselines and attribution drift; a malformed one goes to the dead-letter topic with its original bytes, headers
 * and source position, never dropped.
 */
final class ExplanationReader implements Processor<String, byte[], String, Object> {

    /** The reason of every dead letter the detect topology writes. */
    static final String MALFORMED_EXPLANATION = "MALFORMED_EXPLANATION";

    private final ExplanationListener listener;
    private ProcessorContext<String, Object> context;

    ExplanationReader(ExplanationListener listener) {
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Explanation explanation;
        try {
            explanation = Explanation.read(record.value());
        } catch (ContractException e) {
            context.forward(record.withValue(deadLetter(record, e.getMessage())), DetectTopology.DEAD_LETTERS);
            return;
        }
        listener.onExplanation(explanation);
        Record<String, Explanation> parsed = record.withValue(explanation);
        context.forward(parsed, DetectTopology.SAMPLE_RULES);
        context.forward(parsed, DetectTopology.BASELINES);
        context.forward(parsed, DetectTopology.DRIFT);
    }

    private DeadLetter deadLetter(Record<String, byte[]> original, String detail) {
        Optional<RecordMetadata> source = context.recordMetadata();
        return DeadLetter.of(null, MALFORMED_EXPLANATION, detail, source.map(RecordMetadata::topic).orElse(null),
                source.map(RecordMetadata::partition).orElse(null), source.map(RecordMetadata::offset).orElse(null),
                original.timestamp(), DeadLetter.headers(original.headers()), original.value(), Integer.MAX_VALUE);
    }
}
