package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunnerAppTest {

    @Test
    void theDeviceLabelIsCpuOrGpuWithItsIndex() {
        assertThat(RunnerApp.deviceLabel(Device.cpu())).isEqualTo("cpu");
        assertThat(RunnerApp.deviceLabel(Device.gpu(1))).isEqualTo("gpu:1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stabilis.runner.metrics.class.label", "stabilis.monitor.metrics.class.label"})
    void theClassLabelSettingsDefaultToEveryClassAndRefuseOtherValuesNamingTheKey(String key) {
        assertThat(StabilisConfig.load(null, Map.of(), Map.of(), Map.of()).classLabels(key).of("m", 7)).isEqualTo("7");
        assertThat(setting(key, "none").classLabels(key).labelled()).isFalse();
        assertThat(setting(key, "first:2").classLabels(key).of("m", 9)).isEqualTo("9");
        for (String invalid : new String[] {"top:5", "first:0", "first:x", "some"}) {
            assertThatThrownBy(() -> setting(key, invalid).classLabels(key))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key)
                    .hasMessageContaining("'" + invalid + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "2048MB", "1048577"})
    void anInvalidPassMemoryBudgetFailsAtStartNamingItsKey(String invalid) {
        assertThatThrownBy(() -> new RunnerApp(setting("stabilis.runner.pass.memory.mb", invalid), new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("setting 'stabilis.runner.pass.memory.mb'");
    }

    private static StabilisConfig setting(String key, String value) {
        return StabilisConfig.load(null, Map.of(), Map.of(), Map.of(key, value));
    }
}
