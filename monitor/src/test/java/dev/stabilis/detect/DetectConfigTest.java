package dev.stabilis.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The detect settings: defaults, overrides, and a fast failure naming the key for every invalid value. */
class DetectConfigTest {

    @Test
    void defaults() {
        DetectConfig config = DetectConfig.defaults();

        assertThat(config.explanationsTopic()).isEqualTo("stabilis.explanations");
        assertThat(config.alertsTopic()).isEqualTo("stabilis.alerts");
        assertThat(config.dlqTopic()).isEqualTo("stabilis.dlq");
        assertThat(config.windowSize()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.windowGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.baselineWindows()).isEqualTo(20);
        assertThat(config.warmupWindows()).isEqualTo(5);
        assertThat(config.minSamples()).isEqualTo(30);
        assertThat(config.zThreshold()).isEqualTo(3.5);
        assertThat(config.madFloor()).isEqualTo(0.01);
        assertThat(config.minChange()).isEqualTo(0.05);
        assertThat(config.radiusMinRelativeChange()).isEqualTo(0.2);
        assertThat(config.minTopkOverlap()).as("off").isZero();
        assertThat(config.suppressionWindow()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.suppressionCheckInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.suppressionMaxEvidence()).isEqualTo(500);
    }

    @Test
    void readsItsKeysFromPropertiesAndIgnoresOthers() {
        Properties properties = new Properties();
        properties.setProperty(DetectConfig.ALERTS_TOPIC, "team.alerts");
        properties.setProperty(DetectConfig.WINDOW_SIZE_MS, " 10000 ");
        properties.setProperty(DetectConfig.Z_THRESHOLD, "4");
        properties.setProperty("stabilis.ingest.join.window.ms", "7000");
        properties.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "detect");

        DetectConfig config = DetectConfig.from(properties);

        assertThat(config.alertsTopic()).isEqualTo("team.alerts");
        assertThat(config.windowSize()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.zThreshold()).isEqualTo(4.0);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "stabilis.detect.window.size.ms, 0",
            "stabilis.detect.window.size.ms, one minute",
            "stabilis.detect.window.grace.ms, -1",
            "stabilis.detect.baseline.windows, 0",
            "stabilis.detect.baseline.warmup.windows, 21",
            "stabilis.detect.baseline.min.samples, 0",
            "stabilis.detect.baseline.z.threshold, -3",
            "stabilis.detect.baseline.mad.floor, NaN",
            "stabilis.detect.baseline.min.change, 1.5",
            "stabilis.detect.baseline.radius.min.relative.change, 1",
            "stabilis.detect.rules.min.topk.overlap, -1",
            "stabilis.detect.suppression.window.ms, 0",
            "stabilis.detect.suppression.check.interval.ms, 0",
            "stabilis.detect.suppression.max.evidence, 0",
            "stabilis.topics.alerts, stabilis.explanations",
            "stabilis.topics.dlq, ' '",
    })
    void anInvalidValueFailsNamingItsKey(String key, String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> DetectConfig.from(Map.of(key, value)))
                .withMessageStartingWith(key + " ");
    }

    @Test
    void anUnknownDetectKeyFailsNamingIt() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DetectConfig.from(Map.of("stabilis.detect.window.size", "1000")))
                .withMessageContaining("stabilis.detect.window.size");
    }

    @Test
    void streamsRunExactlyOnceV2AndRefuseAnyOtherGuarantee() {
        Properties streams = DetectTopology.streamsConfig(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "detect"));
        assertThat(streams).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "detect");

        assertThatIllegalArgumentException().isThrownBy(() -> DetectTopology.streamsConfig(
                        Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE)))
                .withMessageStartingWith(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
    }
}
