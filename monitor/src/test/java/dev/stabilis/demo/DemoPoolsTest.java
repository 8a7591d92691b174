package dev.stabilis.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.service.Evaluation;
import dev.stabilis.service.ModelPipeline;
import dev.stabilis.service.PipelineOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's traffic pools hold what their names promise, judged again independently with the full pipeline. */
class DemoPoolsTest {

    @Test
    void stableInputsAreCertifiedAndUnstableOnesAreUncertifiedAndManipulated() {
        ModelRepository repository = new ModelRepository(Path.of("..", "models"));
        DemoPools pools = DemoPools.judge(repository, "digits", "latest");

        assertThat(pools.stable()).hasSizeBetween(1, DemoPools.STABLE_POOL).hasSameSizeAs(pools.stableClasses());
        assertThat(pools.unstable()).hasSizeBetween(1, DemoPools.UNSTABLE_POOL).hasSameSizeAs(pools.unstableClasses());
        try (ModelPipeline pipeline = new ModelPipeline(repository.load("digits", "latest", Device.cpu()),
                new PipelineOptions(false, true, false, true, 0))) {
            List<Evaluation> stable = pipeline.evaluate(pools.stable().toArray(float[][]::new));
            for (int i = 0; i < stable.size(); i++) {
                assertThat(stable.get(i).topkCertified()).as("stable input %d is certified", i).isTrue();
                assertThat(stable.get(i).predicted()).isEqualTo(pools.stableClasses().get(i));
            }
            List<Evaluation> unstable = pipeline.evaluate(pools.unstable().toArray(float[][]::new));
            for (int i = 0; i < unstable.size(); i++) {
                assertThat(unstable.get(i).topkCertified()).as("unstable input %d is not certified", i).isFalse();
                assertThat(unstable.get(i).empirical().attack().success()).as("the attack manipulates unstable input %d", i).isTrue();
                assertThat(unstable.get(i).predicted()).isEqualTo(pools.unstableClasses().get(i));
            }
        }
    }
}
