package dev.stabilis.smoothing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.stabilis.engine.TargetKind;
import org.junit.jupiter.api.Test;

/** How noisy saliencies are clipped before they are averaged. */
class SampleStatisticsTest {

    private static final double[] DRAWS = {3, 4, 0, -0.5, 0, 0};

    private static double[] mean(double clipNorm) {
        SampleStatistics statistics = new SampleStatistics(2, 1, clipNorm);
        for (int offset = 0; offset < DRAWS.length; offset += 2) {
            statistics.add(DRAWS, offset);
        }
        return statistics.meanClipped();
    }

    @Test
    void aClipNormShrinksOnlyTheSalienciesAboveIt() {
        assertThat(mean(1)).containsExactly(new double[] {0.6 / 3, (0.8 - 0.5) / 3}, offset(1e-15));
        assertThat(mean(10)).containsExactly(new double[] {3.0 / 3, (4 - 0.5) / 3}, offset(1e-15));
    }

    @Test
    void theUnitNormAveragesDirectionsAndLeavesAZeroSaliencyZero() {
        assertThat(mean(SmoothingSettings.UNIT_NORM)).containsExactly(new double[] {0.6 / 3, (0.8 - 1) / 3}, offset(1e-15));
        assertThat(new SmoothingSettings(NoiseKind.GAUSSIAN, 0.1, 10, 0.01, 0, 1, SmoothingSettings.UNIT_NORM,
                TargetKind.LOGIT, 0, 1).normBound()).isEqualTo(1);
    }
}
