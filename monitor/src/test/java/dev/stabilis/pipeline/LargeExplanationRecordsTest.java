package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.contract.ContractSchemas;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * An explanation record with its per-feature vectors (attributions, certified gradient bounds, the attacked gradient)
 * grows with the model's input: for a large image model it would pass Kafka's default 1 MiB message limit and the
 * producer would refuse it. Above {@code stabilis.runner.explanation.max.bytes} the runner writes the record without
 * its vectors and says why; here the limit is set below the demo model's records, on a real broker.
 */
class LargeExplanationRecordsTest {

    private static final int LIMIT = 4096;
    private static final int SAMPLES = 6;
    private static final Pattern REASON = Pattern.compile(
            "with its vectors the record took (\\d+) bytes, more than the runner's limit of 4096 \\(stabilis\\.runner\\.explanation\\.max\\.bytes\\)");

    @Test
    void recordsOverTheLimitAreWrittenWithoutTheirVectorsAndSayWhy() throws Exception {
        String prefix = "large-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.runner.torch.threads", "1");
        settings.put("stabilis.runner.include.attributions", "true");
        settings.put("stabilis.runner.explanation.max.bytes", Integer.toString(LIMIT));
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        Topics.create(config.kafka(), Topics.all(config), 1, (short) 1);
        List<float[]> rows = DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest").stable();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<byte[]> written;
        try (RunnerApp runner = new RunnerApp(config, registry)) {
            runner.start();
            PipelineProcesses.await("runner ready", Duration.ofSeconds(90), runner::ready);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka(config), new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < SAMPLES; i++) {
                    producer.send(SampleRecords.digits(config.required("stabilis.topics.samples"), "big-" + i, "1", rows.get(i)));
                }
            }
            written = read(config, config.required("stabilis.topics.explanations"), Duration.ofSeconds(120));
        }

        assertThat(written).hasSize(SAMPLES);
        JsonMapper json = JsonMapper.builder().build();
        List<JsonNode> records = new ArrayList<>();
        for (byte[] value : written) {
            assertThat(value.length).isLessThanOrEqualTo(LIMIT);
            JsonNode record = json.readTree(value);
            records.add(record);
            Matcher reason = REASON.matcher(record.path("vectorsOmitted").asText());
            assertThat(reason.matches()).as("vectorsOmitted of %s", record).isTrue();
            assertThat(Integer.parseInt(reason.group(1))).as("the record with its vectors").isGreaterThan(LIMIT);
            assertThat(record.path("attributions").isNull()).isTrue();
            assertThat(record.path("certificate").path("gradientLower").isNull()).isTrue();
            assertThat(record.path("certificate").path("topk").isBoolean()).as("the certificate itself stays").isTrue();
            assertThat(record.path("topFeatures")).hasSize(5);
        }
        ContractSchemas.EXPLANATION.assertValid(records);
        assertThat(registry.get("stabilis.runner.vectors.omitted").tag("model", "digits").counter().count()).isEqualTo(SAMPLES);
    }

    private static Properties kafka(StabilisConfig config) {
        Properties props = new Properties();
        props.putAll(config.kafka());
        return props;
    }

    /** The committed records of a topic until {@link #SAMPLES} arrived, then a second more to catch extras. */
    private static List<byte[]> read(StabilisConfig config, String topic, Duration timeout) throws IOException {
        Properties props = kafka(config);
        props.put("group.id", "reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
                if (out.size() >= SAMPLES && settle == Long.MAX_VALUE) {
                    settle = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
        }
        return out;
    }
}
