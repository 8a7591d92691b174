package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class RunnerAppTest {

    @Test
    void theDeviceLabelIsCpuOrGpuWithItsIndex() {
        assertThat(RunnerApp.deviceLabel(Device.cpu())).isEqualTo("cpu");
        assertThat(RunnerApp.deviceLabel(Device.gpu(1))).isEqualTo("gpu:1");
    }
}
