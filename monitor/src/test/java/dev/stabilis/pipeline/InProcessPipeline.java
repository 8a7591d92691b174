package dev.stabilis.pipeline;

import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.config.StabilisConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A monitor and a runner in the test's own JVM: sends a traffic through them and reads back what they wrote. */
final class InProcessPipeline {

    private InProcessPipeline() {}

    /**
     * Starts a monitor and a runner on {@code config} (its topics must exist), sends every request of the traffic once
     * both are ready, and reads the ledger ({@link PipelineLedger#read}) before stopping them.
     */
    static PipelineLedger run(StabilisConfig config, PipelineTraffic traffic, Duration settle, Duration timeout) throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MonitorApp monitor = new MonitorApp(config, registry); RunnerApp runner = new RunnerApp(config, registry)) {
            monitor.start();
            runner.start();
            PipelineProcesses.await("monitor and runner ready", Duration.ofSeconds(90), () -> monitor.ready() && runner.ready());
            try (KafkaProducer<String, byte[]> producer = producer(config)) {
                traffic.requests().forEach(request -> request.records().forEach(producer::send));
            }
            return PipelineLedger.read(config.kafka(), PipelineLedger.Topics.of(config), traffic, settle, timeout);
        }
    }

    private static KafkaProducer<String, byte[]> producer(StabilisConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
