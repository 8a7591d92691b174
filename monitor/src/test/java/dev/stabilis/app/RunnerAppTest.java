package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerAppTest {

    @Test
    void theDeviceLabelIsCpuOrGpuWithItsIndex() {
        assertThat(RunnerApp.deviceLabel(Device.cpu())).isEqualTo("cpu");
        assertThat(RunnerApp.deviceLabel(Device.gpu(1))).isEqualTo("gpu:1");
    }

    @Test
    void theClassLabelSettingDefaultsToEveryClassAndRefusesOtherValuesNamingTheKey() {
        assertThat(RunnerApp.classLabels(StabilisConfig.load(null, Map.of(), Map.of(), Map.of())).of("m", 7)).isEqualTo("7");
        assertThat(RunnerApp.classLabels(classLabel("none")).labelled()).isFalse();
        for (String invalid : new String[] {"top:5", "first:0", "first:x", "some"}) {
            assertThatThrownBy(() -> RunnerApp.classLabels(classLabel(invalid)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("stabilis.runner.metrics.class.label")
                    .hasMessageContaining("'" + invalid + "'");
        }
    }

    private static StabilisConfig classLabel(String value) {
        return StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.runner.metrics.class.label", value));
    }
}
