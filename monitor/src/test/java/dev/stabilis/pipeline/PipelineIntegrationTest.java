package dev.stabilis.pipeline;

import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The pipeline end to end on a real broker: ingest, runner and detect, with KServe-logged requests of which
 * some are malformed and some unstable. Counts every record by request id with read_committed consumers.
 */
class PipelineIntegrationTest {

    private static final int STABLE = 40;
    private static final int UNSTABLE = 6;
    private static final int MALFORMED = 5;

    @Test
    void everyRequestEndsAsOneExplanationOrOneDeadLetterAndOnlyInjectedSamplesAlert() throws Exception {
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        Topics.create(config.kafka(), Topics.all(config), 2, (short) 1);
        DemoPools pools = DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest");
        PipelineTraffic traffic = PipelineTraffic.of(pools, config.required("stabilis.topics.requests"),
                config.required("stabilis.topics.responses"), STABLE, UNSTABLE, MALFORMED);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MonitorApp monitor = new MonitorApp(config, registry); RunnerApp runner = new RunnerApp(config, registry)) {
            monitor.start();
            runner.start();
            await("monitor and runner ready", Duration.ofSeconds(90), () -> monitor.ready() && runner.ready());
            try (KafkaProducer<String, byte[]> producer = producer(config)) {
                traffic.requests().forEach(request -> request.records().forEach(producer::send));
            }
            PipelineLedger ledger = PipelineLedger.read(config.kafka(), PipelineLedger.Topics.of(config), traffic, Duration.ofSeconds(5),
                    Duration.ofSeconds(120));
            ledger.assertExactlyOnce(traffic);
        }
    }

    private static KafkaProducer<String, byte[]> producer(StabilisConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
