package dev.stabilis.smoothing;

import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import java.util.SplittableRandom;

/**
 * Estimates of the smoothed attribution at attacked points, and a gradient attack on it: the empirical side of a
 * smoothing certificate, used to put its cosine bound to the test. Every estimate at a point uses the same seeded
 * noise draws (common random numbers), so differences between points are not noise.
 *
 * <p>The attack needs no second derivatives. For noise uniform in the ball of radius r, the divergence theorem
 * gives ∇ₓ E_{η∼U(B)} f(x + η) = (d/r)·E_{ω∼U(S)} f(x + rω)·ω, with S the unit sphere; for Gaussian noise,
 * Stein's lemma gives ∇ₓ E f(x + η) = E f(x + η)·η/σ². So the gradient of c·h(x) is estimated from gradient
 * passes at probe points around x, in antithetic pairs.
 */
public final class SmoothedAttack {

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

    /**
     * An attack on the smoothed attribution of {@code model} (the caller keeps ownership) under {@code noise}, with
     * saliency clipped to {@code clipNorm} (or scaled to norm 1, {@link SmoothingSettings#UNIT_NORM}), in passes of at
     * most {@code rowBudget} noisy rows.
     */
    public static SmoothedAttack on(DifferentiableModel model, TargetKind kind, int rowBudget, Noise noise, int k, double clipNorm) {
        return new SmoothedAttack(new NoisyPasses(model, kind, rowBudget), noise, k, clipNorm);
    }

    /** ĥ(x + δ): the mean clipped saliency of {@code target} over n draws of the noise seeded by {@code seed}. */
    public double[] smoothedAttribution(float[] x, double[] delta, int target, int n, long seed) {
        return smoothAt(x, delta, target, n, seed).meanClipped();
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
    public double[] descend(float[] x, double[] direction, int target, double epsilon, int steps, int pairs, long seed) {
        int d = x.length;
        double[] delta = new double[d];
        SplittableRandom random = new SplittableRandom(seed);
        for (int step = 0; step < steps; step++) {
            double[][] probes = new double[pairs][];
            for (int p = 0; p < pairs; p++) {
                probes[p] = probe(random, d);
            }
            double[] gradient = new double[d];
            double[] start = delta.clone();
            passes.run(2 * pairs, (index, buffer, offset) -> {
                double sign = index % 2 == 0 ? 1 : -1;
                double[] probe = probes[index / 2];
                for (int i = 0; i < d; i++) {
                    buffer[offset + i] = (float) (x[i] + start[i] + sign * probe[i]);
                }
                return target;
            }, (index, gradients, offset) -> {
                double sign = index % 2 == 0 ? 1 : -1;
                double projection = dot(direction, gradients, offset) * SampleStatistics.clipFactor(gradients, offset, d, clipNorm);
                double[] probe = probes[index / 2];
                for (int i = 0; i < d; i++) {
                    gradient[i] += sign * projection * probe[i];
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

    /**
     * A probe offset whose weighted average estimates the gradient direction: rω with ω uniform on the unit sphere
     * for the uniform ball, η itself for Gaussian noise (constant factors dropped, as the step is normalised).
     */
    private double[] probe(SplittableRandom random, int d) {
        double[] offset = new double[d];
        noise.sample(random, offset);
        if (noise.kind() == NoiseKind.UNIFORM_BALL) {
            double scale = noise.scale() / Math.sqrt(dot(offset, offset, 0));
            for (int i = 0; i < d; i++) {
                offset[i] *= scale;
            }
        }
        return offset;
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
