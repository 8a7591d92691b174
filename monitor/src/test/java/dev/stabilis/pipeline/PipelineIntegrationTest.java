package dev.stabilis.pipeline;

import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline end to end on a real broker: ingest, runner and detect, with KServe-logged requests of which
 * some are malformed and some unstable. Counts every record by request id with read_committed consumers.
 */
class PipelineIntegrationTest {

    private static final int STABLE = 40;
    private static final int UNSTABLE = 6;
    private static final int MALFORMED = 5;
    private static final String BROKEN = "broken";

    @Test
    void everyRequestEndsAsOneExplanationOrOneDeadLetterAndOnlyInjectedSamplesAlert(@TempDir Path repository) throws Exception {
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        installModels(repository);
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.models.repository", repository.toString());
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        Topics.create(config.kafka(), Topics.all(config), 2, (short) 1);
        DemoPools pools = DemoPools.judge(new ModelRepository(repository), "digits", "latest");
        String requests = config.required("stabilis.topics.requests");
        String responses = config.required("stabilis.topics.responses");
        float[] digit = pools.stable().get(0);
        KServeRecords brokenModel = new KServeRecords(BROKEN, "default");
        PipelineTraffic traffic = PipelineTraffic.of(pools, requests, responses, STABLE, UNSTABLE, MALFORMED)
                .withRunnerDeadLetter("broken-model", "MODEL_UNAVAILABLE",
                        () -> List.of(brokenModel.request(requests, "broken-model", digit), brokenModel.response(responses, "broken-model", 0)));

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
            ledger.assertContracts();
        }
    }

    /**
     * The demo model, and a model whose ONNX file passes ingest but whose policy the runner refuses: its samples
     * must be dead-lettered while the demo model's flow on.
     */
    private static void installModels(Path repository) throws IOException {
        Path digits = Files.createDirectories(repository.resolve("digits/1"));
        Path broken = Files.createDirectories(repository.resolve(BROKEN + "/1"));
        for (String file : List.of("model.onnx", "stabilis.yaml")) {
            Files.copy(Path.of("..", "models", "digits", "1", file), digits.resolve(file));
        }
        Files.copy(digits.resolve("model.onnx"), broken.resolve("model.onnx"));
        Files.writeString(broken.resolve("stabilis.yaml"), "classes: [only-one]\n");
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
