package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The last step before the alert topic: stamps the wall-clock emission time and the dashboard link, and tells the
 * {@link AlertListener}.
 */
final class AlertEmitter implements Processor<String, Alert, String, Alert> {

    private final AlertListener listener;
    private final DashboardLinks dashboards;
    private ProcessorContext<String, Alert> context;

    AlertEmitter(AlertListener listener, DashboardLinks dashboards) {
        this.listener = listener;
        this.dashboards = dashboards;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Alert> record) {
        Alert alert = record.value().emitted(context.currentSystemTimeMs(), dashboards.of(record.value()));
        listener.onAlert(alert);
        context.forward(record.withValue(alert));
    }
}
