package dev.stabilis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StabilisConfigTest {

    @Test
    void fileThenEnvironmentThenOverridesEachReplaceTheOneBefore(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("stabilis.properties");
        Files.writeString(file, "stabilis.runner.max.batch=64\nstabilis.runner.max.wait.ms=10\nkafka.security.protocol=SASL_SSL\n");
        StabilisConfig config = StabilisConfig.load(file,
                Map.of("STABILIS_RUNNER_MAX_WAIT_MS", "20", "STABILIS_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "HOME", "/root"),
                Map.of("stabilis.metrics.port", "9500"), Map.of("stabilis.metrics.port", "9600"));
        assertThat(config.integer("stabilis.runner.max.batch", 1, 1000)).isEqualTo(64);
        assertThat(config.number("stabilis.runner.max.wait.ms")).isEqualTo(20);
        assertThat(config.integer("stabilis.metrics.port", 0, 65535)).isEqualTo(9600);
        assertThat(config.kafka()).containsEntry("bootstrap.servers", "kafka:9092").containsEntry("security.protocol", "SASL_SSL");
        assertThat(config.required("stabilis.topics.requests")).as("default").isEqualTo("inference-requests");
    }

    @Test
    void everyDocumentedSettingHasTheEnvironmentVariableItsKeyImplies() {
        for (Setting s : StabilisConfig.SETTINGS) {
            assertThat(StabilisConfig.keyOf(s.environmentVariable())).isEqualTo(s.key());
        }
    }

    @Test
    void anUnknownOrBadSettingFailsAtStartNamingTheKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "stabilis.runner.max.bach=64\n");
        assertThatThrownBy(() -> StabilisConfig.load(file, Map.of(), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stabilis.runner.max.bach");
        StabilisConfig config = StabilisConfig.load(null, Map.of("STABILIS_RUNNER_MAX_BATCH", "lots"), Map.of(), Map.of());
        assertThatThrownBy(() -> config.integer("stabilis.runner.max.batch", 1, 100)).hasMessageContaining("stabilis.runner.max.batch")
                .hasMessageContaining("'lots'");
        StabilisConfig flags = StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.runner.attack", "yes"));
        assertThatThrownBy(() -> flags.flag("stabilis.runner.attack")).hasMessageContaining("stabilis.runner.attack");
        StabilisConfig repo = StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.models.repository", dir.resolve("none").toString()));
        assertThatThrownBy(() -> repo.directory("stabilis.models.repository")).hasMessageContaining("stabilis.models.repository");
    }

    @Test
    void secretsNeverAppearInTheDescription() {
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), Map.of(
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"hunter2\";",
                "kafka.ssl.truststore.password", "hunter3"));
        assertThat(config.describe()).doesNotContain("hunter2").doesNotContain("hunter3").contains("kafka.sasl.jaas.config=***");
    }

    @Test
    void everySettingKafkaTypesAsAPasswordIsRedactedAlsoBehindAClientPrefix() {
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), Map.of(
                "kafka.ssl.keystore.key", "-----BEGIN PRIVATE KEY----- hunter4",
                "kafka.sasl.oauthbearer.assertion.private.key.passphrase", "hunter5",
                "kafka.producer.ssl.keystore.key", "hunter6",
                "kafka.ssl.truststore.location", "/etc/kafka-tls/truststore.p12"));
        assertThat(config.describe()).doesNotContain("hunter4").doesNotContain("hunter5").doesNotContain("hunter6")
                .contains("kafka.ssl.keystore.key=***").contains("kafka.producer.ssl.keystore.key=***")
                .contains("kafka.ssl.truststore.location=/etc/kafka-tls/truststore.p12");
    }

    @Test
    void keysThatLookLikeSecretsAreRedactedWhetherOrNotKafkaKnowsThem() {
        Map<String, String> secrets = Map.of(
                "kafka.ssl.keystore.passwd", "hunter7",
                "kafka.ssl.key.passphrase", "hunter8",
                "kafka.sasl.login.pwd", "hunter9",
                "kafka.custom.client.secret", "hunter10",
                "kafka.sasl.oauthbearer.access.token", "hunter11",
                "kafka.consumer.sasl.jaas", "hunter12",
                "kafka.ssl.keystore.keymaterial", "hunter13",
                "kafka.ssl.private.key.pem", "hunter14",
                "kafka.MY.API-KEY", "hunter15",
                "kafka.ssl.client.key", "hunter16");
        String described = StabilisConfig.load(null, Map.of(), Map.of(), secrets).describe();
        secrets.forEach((key, value) -> assertThat(described).as(key).contains(key + "=***").doesNotContain(value));
        StabilisConfig plain = StabilisConfig.load(null, Map.of(), Map.of(), Map.of("kafka.ssl.keymanager.algorithm", "PKIX",
                "kafka.ssl.truststore.type", "PEM", "kafka.key.serializer.note", "plain"));
        assertThat(plain.describe()).contains("kafka.ssl.keymanager.algorithm=PKIX").contains("kafka.ssl.truststore.type=PEM")
                .contains("kafka.key.serializer.note=plain");
    }
}
