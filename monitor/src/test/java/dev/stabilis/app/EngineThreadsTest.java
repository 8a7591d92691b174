package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EngineThreadsTest {

    private static final String ENGINE_THREADS = "ai.djl.pytorch.num_threads";

    private String before;

    @BeforeEach
    void forgetTheEngineSetting() {
        before = System.clearProperty(ENGINE_THREADS);
    }

    @AfterEach
    void restoreTheEngineSetting() {
        if (before == null) {
            System.clearProperty(ENGINE_THREADS);
        } else {
            System.setProperty(ENGINE_THREADS, before);
        }
    }

    @Test
    void aRunnerGetsOneIntraOpThreadUnlessConfiguredOtherwise() {
        EngineThreads.apply(StabilisConfig.load(null, Map.of(), Map.of(), Map.of()));
        assertThat(System.getProperty(ENGINE_THREADS)).as("the measured default").isEqualTo("1");
        EngineThreads.apply(StabilisConfig.load(null, Map.of("STABILIS_RUNNER_TORCH_THREADS", "4"), Map.of(), Map.of()));
        assertThat(System.getProperty(ENGINE_THREADS)).isEqualTo("4");
    }

    @Test
    void zeroLeavesTheEnginesOwnDefaultAndANegativeCountIsRefused() {
        EngineThreads.apply(StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.runner.torch.threads", "0")));
        assertThat(System.getProperty(ENGINE_THREADS)).as("one per core, the engine's choice").isNull();
        assertThatThrownBy(() -> EngineThreads.apply(StabilisConfig.load(null, Map.of(), Map.of(),
                Map.of("stabilis.runner.torch.threads", "-1")))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("stabilis.runner.torch.threads");
    }
}
