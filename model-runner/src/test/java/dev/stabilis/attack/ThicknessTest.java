package dev.stabilis.attack;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.TargetKind;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThicknessTest {

    @Test
    void isOneWithoutRoomToMoveAndFallsAsTheBoxGrows() {
        try (AttackFixture f = AttackFixture.load("digits_mlp_softplus")) {
            float[][] rows = Arrays.copyOf(AttackFixture.digitsTestRows(), 24);
            double[] none = thickness(f, 0, rows);
            assertThat(none).as("ε = 0: every point is the sample").containsOnly(1.0);
            double previous = 1;
            for (double epsilon : new double[] {0.01, 0.05, 0.2}) {
                double[] values = thickness(f, epsilon, rows);
                assertThat(Arrays.stream(values).boxed()).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
                double mean = Arrays.stream(values).average().orElseThrow();
                assertThat(mean).as("mean thickness at ε = %s", epsilon).isLessThan(previous);
                previous = mean;
            }
        }
    }

    /** A certified top-k set dominates every other feature everywhere in the box, so no pair can swap. */
    @Test
    void isOneWhereTheTopkSetIsCertified() {
        double epsilon = 1e-3;
        try (AttackFixture f = AttackFixture.load("digits_mlp_relu"); GradientBounds bounds = GradientBounds.load(f.graph(), Device.cpu())) {
            float[][] rows = AttackFixture.digitsTestRows();
            List<CertifiedSample> certified = new Certifier(bounds, new CertifySettings(epsilon, 5, TargetKind.LOGIT, 0, Splitting.NONE, false,
                    1, 1, f.policy().domainMin(), f.policy().domainMax())).certify(rows);
            double[] values = thickness(f, epsilon, rows);
            int checked = 0;
            for (int s = 0; s < rows.length; s++) {
                if (certified.get(s).certificate().topk()) {
                    assertThat(values[s]).as("sample %d", s).isEqualTo(1.0);
                    checked++;
                }
            }
            assertThat(checked).isPositive();
        }
    }

    private static double[] thickness(AttackFixture f, double epsilon, float[][] rows) {
        return new Thickness(f.model(), f.settings(AttackMethod.NOISE, epsilon, 5, 1), 8, 4).measure(rows);
    }
}
