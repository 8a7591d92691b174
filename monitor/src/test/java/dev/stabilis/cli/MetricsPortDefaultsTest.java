package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.config.StabilisConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A monitor and a runner started with default settings on one host must not both claim one metrics port. */
class MetricsPortDefaultsTest {

    @Test
    void monitorAndRunnerDefaultToDistinctMetricsPortsAndTheUsersSettingStillWins() {
        StabilisConfig monitor = StabilisConfig.load(null, Map.of(), Map.of(), Map.of());
        StabilisConfig runner = StabilisConfig.load(null, Map.of(), RunnerCommand.DEFAULTS, Map.of());

        assertThat(monitor.integer("stabilis.metrics.port", 0, 65535)).isEqualTo(9404);
        assertThat(runner.integer("stabilis.metrics.port", 0, 65535)).isEqualTo(9405);
        assertThat(StabilisConfig.load(null, Map.of("STABILIS_METRICS_PORT", "9500"), RunnerCommand.DEFAULTS, Map.of())
                .integer("stabilis.metrics.port", 0, 65535)).isEqualTo(9500);
    }
}
