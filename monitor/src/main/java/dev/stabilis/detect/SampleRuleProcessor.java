package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Applies the {@link SampleRules} to each sample and forwards the alerts it raises, keyed by model. */
final class SampleRuleProcessor implements Processor<String, Explanation, String, Alert> {

    private final SampleRules rules;
    private ProcessorContext<String, Alert> context;

    SampleRuleProcessor(SampleRules rules) {
        this.rules = rules;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Explanation> record) {
        for (Alert alert : rules.evaluate(record.value())) {
            context.forward(new Record<>(alert.model(), alert, record.timestamp()));
        }
    }
}
