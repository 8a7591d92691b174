package dev.stabilis.smoothing;

import java.util.SplittableRandom;

/**
 * Estimates of the smoothed attribution at attacked points, and a gradient attack on it. Every estimate at a
 * point uses the same seeded noise draws (common random numbers), so differences between points are not noise.
 *
 * <p>The attack needs no second derivatives: for noise uniform in the ball of radius r, the divergence theorem
 * gives ∇ₓ E_{η∼U(B)} f(x + η) = (d/r)·E_{ω∼U(S)} f(x + rω)·ω, with S the unit sphere, so the gradient of
 * c·h(x) is estimated from gradient passes at points on the sphere around x (antithetic pairs ±ω).
 */
final class SmoothedAttack {

    private final NoisyPasses passes;
    private final Noise noise;
    private final int k;
    private final double clipNorm;

    SmoothedAttack(NoisyPasses passes, Noise noise, int k, double clipNorm) {
        this.passes = passes;
        this.noise = noise;
        this.k = k;
        this.clipNorm = clipNorm;
    }

    /** ĥ and the top-k counts at x + δ from n draws of the noise seeded by {@code seed}. */
    SampleStatistics smoothAt(float[] x, double[] delta, int target, int n, long seed) {
        SampleStatistics statistics = new SampleStatistics(x.length, k, clipNorm);
        SplittableRandom random = new SplittableRandom(seed);
        double[] eta = new double[x.length];
        passes.run(n, (index, buffer, offset) -> {
            noise.sample(random, eta);
            for (int i = 0; i < x.length; i++) {
                buffer[offset + i] = (float) (x[i] + delta[i] + eta[i]);
            }
            return target;
        }, (index, gradients, offset) -> statistics.add(gradients, offset));
        return statistics;
    }

    /**
     * Projected gradient descent on c·h(x + δ) over the sphere ‖δ‖ = ε, c the unit direction of h(x): pushes
     * the smoothed attribution away from its direction at x, which is what lowers the cosine.
     */
    double[] descend(float[] x, double[] direction, int target, double epsilon, int steps, int pairs, long seed) {
        int d = x.length;
        double radius = noise.scale();
        double[] delta = new double[d];
        SplittableRandom random = new SplittableRandom(seed);
        for (int step = 0; step < steps; step++) {
            double[][] omegas = new double[pairs][d];
            for (double[] omega : omegas) {
                double norm = 0;
                for (int i = 0; i < d; i++) {
                    omega[i] = random.nextGaussian();
                    norm += omega[i] * omega[i];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < d; i++) {
                    omega[i] /= norm;
                }
            }
            double[] gradient = new double[d];
            double[] start = delta.clone();
            passes.run(2 * pairs, (index, buffer, offset) -> {
                double sign = index % 2 == 0 ? 1 : -1;
                double[] omega = omegas[index / 2];
                for (int i = 0; i < d; i++) {
                    buffer[offset + i] = (float) (x[i] + start[i] + sign * radius * omega[i]);
                }
                return target;
            }, (index, gradients, offset) -> {
                double sign = index % 2 == 0 ? 1 : -1;
                double projection = dot(direction, gradients, offset) * SampleStatistics.clipFactor(gradients, offset, d, clipNorm);
                double[] omega = omegas[index / 2];
                for (int i = 0; i < d; i++) {
                    gradient[i] += sign * projection * omega[i];
                }
            });
            double norm = Math.sqrt(dot(gradient, gradient, 0));
            for (int i = 0; i < d; i++) {
                delta[i] -= epsilon * gradient[i] / norm;
            }
            double size = Math.sqrt(dot(delta, delta, 0));
            for (int i = 0; i < d; i++) {
                delta[i] *= epsilon / size;
            }
        }
        return delta;
    }

    /** a · b[offset, offset + a.length). */
    private static double dot(double[] a, double[] b, int offset) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[offset + i];
        }
        return s;
    }
}
