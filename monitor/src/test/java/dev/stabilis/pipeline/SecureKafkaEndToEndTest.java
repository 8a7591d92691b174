package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.KafkaAccess;
import dev.stabilis.app.Topics;
import dev.stabilis.cli.ExitCodes;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.EmbeddedKafkaBroker;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.kafka.SelfSignedTls;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stabilis against a Kafka that only speaks SASL_SSL (SCRAM-SHA-512 over TLS with a private certificate): the real
 * {@code stabilis monitor} and {@code stabilis runner} processes, configured only through their settings (a
 * properties file and, as the Helm chart does, the JAAS login in {@code STABILIS_KAFKA_SASL_JAAS_CONFIG}), turn
 * KServe request logs into explanations and alerts that another SCRAM user reads with read_committed. Their logs,
 * Kafka's client configuration dumps included, never hold a password; wrong credentials stop a process at once.
 */
class SecureKafkaEndToEndTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String APP_USER = "stabilis";
    private static final String APP_PASSWORD = "app-" + UUID.randomUUID();
    private static final String OBSERVER = "observer";
    private static final String OBSERVER_PASSWORD = "observer-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    private static SelfSignedTls tls;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        tls = SelfSignedTls.create(dir);
        broker = EmbeddedKafkaBroker.startSaslSsl("127.0.0.1", new EmbeddedKafkaBroker.SaslSsl(tls.keystore(), tls.keystorePassword(),
                tls.truststore(), tls.truststorePassword(), Map.of(APP_USER, APP_PASSWORD, OBSERVER, OBSERVER_PASSWORD)));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void explanationsAndAlertsFlowOverSaslSslToAnotherUsersReadCommittedConsumerAndNoSecretIsLogged() throws Exception {
        String prefix = "secure-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Path config = writeConfig(prefix);
        StabilisConfig observer = StabilisConfig.load(config, Map.of(), Map.of(),
                Map.of("kafka.sasl.jaas.config", EmbeddedKafkaBroker.scramJaas(OBSERVER, OBSERVER_PASSWORD)));
        Topics.create(observer.kafka(), Topics.all(observer), 1, (short) 1);
        Map<String, String> appLogin = Map.of("STABILIS_KAFKA_SASL_JAAS_CONFIG", EmbeddedKafkaBroker.scramJaas(APP_USER, APP_PASSWORD));

        String monitorLog;
        String runnerLog;
        Map<String, List<JsonNode>> seen;
        List<String> requestIds = new ArrayList<>();
        try (StabilisProcess monitor = started("monitor", prefix + "monitor", config, appLogin);
                StabilisProcess runner = started("runner", prefix + "runner", config, appLogin)) {
            monitor.awaitReady(Duration.ofSeconds(120));
            runner.awaitReady(Duration.ofSeconds(120));
            String requests = observer.required("stabilis.topics.requests");
            KServeRecords kserve = new KServeRecords("digits", "default");
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties(observer.kafka()), new StringSerializer(),
                    new ByteArraySerializer())) {
                for (Map.Entry<String, float[]> row : exampleRows().entrySet()) {
                    producer.send(kserve.request(requests, row.getKey(), row.getValue()));
                    requestIds.add(row.getKey());
                }
            }
            seen = readUntilExplainedAndAlerted(observer, requestIds, "unstable-digit-25#0", Duration.ofSeconds(120));
            monitor.stop();
            runner.stop();
            monitorLog = monitor.output();
            runnerLog = runner.output();
        }

        assertThat(seen.get(observer.required("stabilis.topics.explanations"))).extracting(n -> n.path("requestId").asText())
                .as("one explanation per request").containsExactlyInAnyOrderElementsOf(requestIds);
        assertThat(seen.get(observer.required("stabilis.topics.alerts")))
                .anySatisfy(alert -> {
                    assertThat(alert.path("kind").asText()).isEqualTo("SAMPLE_UNSTABLE");
                    assertThat(alert.path("evidence").toString()).contains("unstable-digit-25#0");
                });
        for (String log : List.of(monitorLog, runnerLog)) {
            assertThat(log).as("the start-up configuration is in the log, its secrets redacted")
                    .contains("kafka.security.protocol=SASL_SSL").contains("kafka.sasl.jaas.config=***")
                    .contains("kafka.ssl.truststore.password=***");
            assertThat(log).as("Kafka's own client configuration dump is in the log, its passwords hidden")
                    .contains("sasl.jaas.config = [hidden]").contains("ssl.truststore.password = [hidden]");
            assertNoSecret(log);
        }
    }

    static Stream<Arguments> misconfigurations() {
        String wrongPassword = "wrong-" + UUID.randomUUID();
        List<String> rejected = List.of("kafka.sasl.jaas.config", "Authentication failed");
        return Stream.of(
                Arguments.of("monitor", "a wrong SCRAM password", Map.of(), EmbeddedKafkaBroker.scramJaas(APP_USER, wrongPassword),
                        rejected, wrongPassword),
                Arguments.of("runner", "a wrong SCRAM password", Map.of(), EmbeddedKafkaBroker.scramJaas(APP_USER, wrongPassword),
                        rejected, wrongPassword),
                Arguments.of("monitor", "a wrong trust store password", Map.of("kafka.ssl.truststore.password", wrongPassword),
                        EmbeddedKafkaBroker.scramJaas(APP_USER, APP_PASSWORD), List.of("kafka.", "truststore.p12", "password was incorrect"), wrongPassword),
                Arguments.of("monitor", "a JAAS login without its closing semicolon", Map.of(),
                        EmbeddedKafkaBroker.scramJaas(APP_USER, wrongPassword).replace(";", ""),
                        List.of("kafka.", "JAAS config entry not terminated by semi-colon"), wrongPassword));
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("misconfigurations")
    void aMisconfiguredProcessStopsAtOnceNamingTheSettingsWithoutPrintingTheSecret(String command, String what, Map<String, String> settings,
            String jaas, List<String> expected, String secret) throws Exception {
        Path config = writeConfig("bad-", settings);
        try (StabilisProcess process = started(command, "bad-" + UUID.randomUUID(), config, Map.of("STABILIS_KAFKA_SASL_JAAS_CONFIG", jaas))) {
            int exit = process.awaitExit(Duration.ofSeconds(60));
            String log = process.output();
            assertThat(exit).as("exit code of the %s with %s; log:\n%s", command, what, log).isEqualTo(ExitCodes.USAGE);
            assertThat(log).contains("stabilis: ").contains(expected);
            assertThat(log).doesNotContain(secret);
            assertNoSecret(log);
        }
    }

    @Test
    void aPlaintextClientCannotUseTheSecuredListener() {
        Map<String, String> plaintext = Map.of("bootstrap.servers", broker.bootstrapServers());
        assertThatThrownBy(() -> KafkaAccess.verify(plaintext, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no Kafka broker at " + broker.bootstrapServers() + " answered within 5 s")
                .hasMessageContaining("kafka.security.protocol");
    }

    /** {@code stabilis <command> --config <config>} with every log line at INFO (Kafka's configuration dumps included). */
    private static StabilisProcess started(String command, String name, Path config, Map<String, String> environment) {
        StabilisProcess process = new StabilisProcess(name, dir, List.of("-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"),
                environment, 0, List.of(command, "--config", config.toString()));
        process.start();
        return process;
    }

    /** The settings both processes read from their file; the JAAS login comes from the environment. */
    private static Path writeConfig(String prefix) throws IOException {
        return writeConfig(prefix, Map.of());
    }

    private static Path writeConfig(String prefix, Map<String, String> overrides) throws IOException {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("kafka.security.protocol", "SASL_SSL");
        s.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
        s.put("kafka.ssl.truststore.type", "PKCS12");
        s.put("kafka.ssl.truststore.location", tls.truststore().toString());
        s.put("kafka.ssl.truststore.password", tls.truststorePassword());
        s.putAll(PipelineSettings.of(prefix));
        s.put("stabilis.models.repository", Path.of("..", "models").toAbsolutePath().normalize().toString());
        s.put("stabilis.metrics.port", "0");
        s.put("stabilis.monitor.state.dir", dir.resolve(prefix + "state").toString());
        s.put("stabilis.ingest.join.enabled", "false");
        s.put("stabilis.runner.torch.threads", "1");
        s.putAll(overrides);
        Properties props = new Properties();
        props.putAll(s);
        Path file = dir.resolve(prefix + UUID.randomUUID() + ".properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }
        return file;
    }

    /** The rows of the shipped examples: three digits (examples/digits-v2.json) and the unstable one. */
    private static Map<String, float[]> exampleRows() throws IOException {
        Map<String, float[]> rows = new LinkedHashMap<>();
        JsonNode digits = JSON.readTree(Path.of("..", "examples", "digits-v2.json").toFile()).path("inputs").get(0).path("data");
        for (int r = 0; r < digits.size() / 64; r++) {
            rows.put("digit-" + r, floats(digits, r * 64));
        }
        JsonNode unstable = JSON.readTree(Path.of("..", "examples", "digits-unstable-v2.json").toFile()).path("inputs").get(0).path("data");
        rows.put("unstable-digit-25", floats(unstable, 0));
        return rows;
    }

    private static float[] floats(JsonNode data, int from) {
        float[] row = new float[64];
        for (int i = 0; i < 64; i++) {
            row[i] = (float) data.get(from + i).asDouble();
        }
        return row;
    }

    /** Reads explanations and alerts (read_committed) until every request is explained and an alert names {@code evidence}. */
    private static Map<String, List<JsonNode>> readUntilExplainedAndAlerted(StabilisConfig config, List<String> requestIds, String evidence,
            Duration timeout) throws IOException {
        Properties props = properties(config.kafka());
        props.put("group.id", "secure-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        String explanations = config.required("stabilis.topics.explanations");
        String alerts = config.required("stabilis.topics.alerts");
        Map<String, List<JsonNode>> seen = new HashMap<>(Map.of(explanations, new ArrayList<>(), alerts, new ArrayList<>()));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(explanations, alerts));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !(seen.get(explanations).size() >= requestIds.size()
                    && seen.get(alerts).stream().anyMatch(a -> a.path("evidence").toString().contains(evidence)))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.get(r.topic()).add(JSON.readTree(r.value()));
                }
            }
        }
        return seen;
    }

    private static Properties properties(Map<String, String> kafka) {
        Properties props = new Properties();
        props.putAll(kafka);
        return props;
    }

    private static void assertNoSecret(String log) {
        assertThat(log).as("log free of secrets")
                .doesNotContain(APP_PASSWORD).doesNotContain(OBSERVER_PASSWORD)
                .doesNotContain(tls.keystorePassword()).doesNotContain(tls.truststorePassword());
    }
}
