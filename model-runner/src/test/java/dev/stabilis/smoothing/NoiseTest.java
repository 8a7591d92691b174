package dev.stabilis.smoothing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.SplittableRandom;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class NoiseTest {

    private static final NormalDistribution STANDARD = NormalDistribution.of(0, 1);

    @Test
    void uniformBallShiftDistanceIsOneMinusTheOverlapOfTwoBallsInOneTwoAndThreeDimensions() {
        double r = 0.7;
        for (double s : new double[] {0, 0.01, 0.3, 0.7, 1.2, 1.39}) {
            double q = s / (2 * r);
            assertThat(new UniformBallNoise(r, 1).shiftDistance(s)).isCloseTo(q, offset(1e-12));
            double lens = (2 * r * r * Math.acos(q) - s / 2 * Math.sqrt(4 * r * r - s * s)) / (Math.PI * r * r);
            assertThat(new UniformBallNoise(r, 2).shiftDistance(s)).isCloseTo(1 - lens, offset(1e-12));
            double lens3 = (4 * r + s) * (2 * r - s) * (2 * r - s) / (16 * r * r * r);
            assertThat(new UniformBallNoise(r, 3).shiftDistance(s)).isCloseTo(1 - lens3, offset(1e-12));
        }
        assertThat(new UniformBallNoise(r, 64).shiftDistance(2 * r)).isEqualTo(1);
    }

    @Test
    void uniformBallShiftDistanceInSixtyFourDimensionsIsTheMassOfTheBallOutsideItsShiftedCopy() {
        UniformBallNoise noise = new UniformBallNoise(1, 64);
        SplittableRandom random = new SplittableRandom(7);
        double[] eta = new double[64];
        int draws = 200_000;
        int outside = 0;
        double shift = 0.1;
        for (int n = 0; n < draws; n++) {
            noise.sample(random, eta);
            double norm2 = 0;
            double shifted2 = 0;
            for (int i = 0; i < 64; i++) {
                norm2 += eta[i] * eta[i];
                double y = eta[i] - (i == 0 ? shift : 0);
                shifted2 += y * y;
            }
            assertThat(norm2).as("every draw lies in the ball").isLessThanOrEqualTo(1 + 1e-12);
            if (shifted2 > 1) {
                outside++;
            }
        }
        double tau = noise.shiftDistance(shift);
        double standardError = Math.sqrt(tau * (1 - tau) / draws);
        assertThat((double) outside / draws).isCloseTo(tau, offset(5 * standardError));
    }

    @Test
    void uniformBallDrawsHaveTheRadiusLawOfTheBallVolume() {
        UniformBallNoise noise = new UniformBallNoise(2, 16);
        SplittableRandom random = new SplittableRandom(3);
        double[] eta = new double[16];
        int inner = 0;
        int draws = 40_000;
        double innerRadius = 2 * Math.pow(0.5, 1.0 / 16); // half the volume
        for (int n = 0; n < draws; n++) {
            noise.sample(random, eta);
            double norm2 = 0;
            for (double v : eta) {
                norm2 += v * v;
            }
            if (Math.sqrt(norm2) <= innerRadius) {
                inner++;
            }
        }
        assertThat((double) inner / draws).isCloseTo(0.5, offset(5 * 0.5 / Math.sqrt(draws)));
    }

    @Test
    void uniformBallRadiusIsTheLargestShiftWhoseDistanceStaysBelowTheMargin() {
        UniformBallNoise noise = new UniformBallNoise(0.5, 64);
        for (double p : new double[] {0.51, 0.8, 0.999, 1}) {
            double radius = noise.radius(p);
            assertThat(noise.shiftDistance(radius)).isLessThan(p - 0.5);
            assertThat(noise.shiftDistance(radius * (1 + 1e-9) + 1e-15)).isGreaterThanOrEqualTo(p - 0.5);
        }
        assertThat(noise.radius(0.5)).isZero();
        assertThat(noise.radius(0.2)).isZero();
    }

    @Test
    void gaussianShiftDistanceAndRadiusAreTheNormalDistributionFormulas() {
        GaussianNoise noise = new GaussianNoise(0.25, 64);
        for (double s : new double[] {0.01, 0.1, 0.5, 2}) {
            assertThat(noise.shiftDistance(s)).isCloseTo(2 * STANDARD.cumulativeProbability(s / 0.5) - 1, offset(1e-12));
        }
        assertThat(noise.radius(0.9)).isCloseTo(0.25 * 1.2815515655446004, offset(1e-9));
        assertThat(noise.radius(0.5)).isZero();
        // Cohen et al.: at the radius the worst-case probability Φ(Φ⁻¹(p) − R/σ) falls to exactly ½
        double radius = noise.radius(0.99);
        assertThat(STANDARD.cumulativeProbability(STANDARD.inverseCumulativeProbability(0.99) - radius / 0.25)).isCloseTo(0.5, offset(1e-9));
    }

    @Test
    void nonPositiveScalesAreRefusedNamingTheParameter() {
        assertThatThrownBy(() -> NoiseKind.UNIFORM_BALL.create(0, 4)).hasMessageContaining("uniform-ball radius");
        assertThatThrownBy(() -> NoiseKind.GAUSSIAN.create(Double.NaN, 4)).hasMessageContaining("gaussian sigma");
        assertThatThrownBy(() -> NoiseKind.GAUSSIAN.create(1, 0)).hasMessageContaining("dimension");
    }
}
