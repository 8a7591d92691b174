package dev.stabilis.smoothing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

class CosineBoundTest {

    /**
     * The bound is attained, so no larger cosine may be claimed: with the noise ball B, its shifted copy B',
     * A = B \ B', C = B' \ B and I = B ∩ B' (volume fractions τ, τ, 1 − τ), the field −M·u on A, +M·u on C and
     * (h + Mτu)/(1 − τ) on I stays within norm M, smooths to h at x and to h + 2Mτ·u at x + δ; with u·h = −D its
     * cosine is exactly √(1 − (D/‖h‖)²). Wang and Kong's closed form 1/√(1 + (D/‖h‖)²) is above it.
     */
    @Test
    void aFieldBoundedByTheClipNormAttainsTheCertifiedCosineExactly() {
        double m = 1;
        double epsilon = 0.02;
        Noise noise = new UniformBallNoise(1, 64);
        double tau = noise.shiftDistance(epsilon);
        double d = CosineBound.deviation(m, noise, epsilon);
        assertThat(d).isCloseTo(2 * tau, offset(1e-15)).isBetween(0.1, 0.5);
        double[] h = {0.8, 0, 0};
        double[] u = {-d / 0.8, Math.sqrt(1 - d * d / 0.64), 0};
        double[] inner = new double[3];
        double[] atX = new double[3];
        double[] atShift = new double[3];
        for (int i = 0; i < 3; i++) {
            inner[i] = (h[i] + m * tau * u[i]) / (1 - tau);
            atX[i] = tau * (-m * u[i]) + (1 - tau) * inner[i];
            atShift[i] = tau * (m * u[i]) + (1 - tau) * inner[i];
        }
        assertThat(norm(inner)).as("the field on the overlap is within the clip norm").isLessThanOrEqualTo(m);
        assertThat(atX).containsExactly(h, offset(1e-12));
        double cosine = dot(atX, atShift) / (norm(atX) * norm(atShift));
        assertThat(CosineBound.lower(0.8, d)).isCloseTo(cosine, offset(1e-12));
        assertThat(1 / Math.sqrt(1 + d * d / 0.64)).as("the paper's closed form overstates").isGreaterThan(cosine + 1e-4);
    }

    @Test
    void noClaimOnceTheDeviationReachesTheNormBound() {
        assertThat(CosineBound.lower(0.5, 0.5)).isEqualTo(-1);
        assertThat(CosineBound.lower(0, 0)).isEqualTo(-1);
        assertThat(CosineBound.lower(0.5, 0.3)).isCloseTo(0.8, offset(1e-15));
        assertThat(CosineBound.lower(0.5, 0)).isEqualTo(1);
    }

    @Test
    void estimationErrorIsTheMcDiarmidRadiusAndShrinksAsOneOverRootN() {
        // M (1 + √(2 ln 1000)) / √100
        assertThat(CosineBound.estimationError(1, 100, 0.001)).isCloseTo(0.47169, offset(1e-5));
        assertThat(CosineBound.estimationError(2, 400, 0.001)).isCloseTo(0.47169, offset(1e-5));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
