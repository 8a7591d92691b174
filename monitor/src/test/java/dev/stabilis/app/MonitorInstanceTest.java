package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MonitorInstanceTest {

    @Test
    void defaultsToTheHostNameAndRoleSoThatARestartedMonitorRejoinsAsItself() {
        String id = MonitorInstance.id(StabilisConfig.load(null, Map.of(), Map.of(), Map.of()));

        assertThat(id).endsWith("-monitor").matches("[a-z0-9._-]+").hasSizeGreaterThan("-monitor".length());
        assertThat(MonitorInstance.id(StabilisConfig.load(null, Map.of(), Map.of(), Map.of()))).as("the same on every start").isEqualTo(id);
    }

    @Test
    void takesTheConfiguredIdAndRefusesOneKafkaCannotUseNamingTheKey() {
        assertThat(MonitorInstance.id(StabilisConfig.load(null, Map.of("STABILIS_MONITOR_INSTANCE_ID", "monitor-a"), Map.of(), Map.of())))
                .isEqualTo("monitor-a");
        assertThatThrownBy(() -> MonitorInstance.id(StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.monitor.instance.id", "a b"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stabilis.monitor.instance.id");
    }
}
