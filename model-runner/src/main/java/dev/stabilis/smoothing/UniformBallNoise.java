package dev.stabilis.smoothing;

import java.util.random.RandomGenerator;
import org.apache.commons.numbers.gamma.RegularizedBeta;

/**
 * Noise uniform in the ℓ2 ball B(0; r) of ℝ^d.
 *
 * <p>Sampling: z ∼ N(0, I) has a rotation-invariant law, so z/‖z‖ is uniform on the sphere; the radius
 * r·U^{1/d} with U uniform in [0, 1) has P(‖η‖ ≤ ρ) = (ρ/r)^d, the volume fraction of B(0; ρ).
 *
 * <p>Shift distance: μ and μ + δ have densities 1/V on B = B(0; r) and B' = B(δ; r), so
 * τ(s) = Vol(B \ B')/V = 1 − Vol(B ∩ B')/V. For s = ‖δ‖ &lt; 2r the intersection is two congruent caps of
 * height h = r − s/2, and a cap of height h ≤ r is the fraction ½ I_{(2rh − h²)/r²}((d+1)/2, ½) of the ball
 * (I the regularized incomplete beta function; S. Li, "Concise formulas for the area and volume of a
 * hyperspherical cap", 2011). With 2rh − h² = r² − s²/4:
 * Vol(B ∩ B')/V = I_{1 − (s/2r)²}((d+1)/2, ½), hence τ(s) = I_{(s/2r)²}(½, (d+1)/2) by I_x(a, b) = 1 − I_{1−x}(b, a),
 * the form that stays accurate when τ is small. τ(s) = 1 for s ≥ 2r, and τ increases with s.
 *
 * <p>Radius: p(x + δ) ≥ p(x) − τ(‖δ‖) (the shift bound with M = 1), and this is the exact worst case for
 * uniform noise (f = 1 exactly on B \ B' inside the support); so a probability p̲ &gt; ½ is certified while
 * τ(ε) &lt; p̲ − ½, and the radius is found by bisection, returning an ε at which the inequality holds.
 *
 * @param scale the ball radius r
 * @param dimension the input dimension d
 */
public record UniformBallNoise(double scale, int dimension) implements Noise {

    private static final int BISECTION_STEPS = 100;

    public UniformBallNoise {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("uniform-ball radius must be a finite number > 0, got " + scale);
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
        }
    }

    @Override
    public NoiseKind kind() {
        return NoiseKind.UNIFORM_BALL;
    }

    @Override
    public void sample(RandomGenerator random, double[] into) {
        double norm2 = 0;
        for (int i = 0; i < dimension; i++) {
            into[i] = random.nextGaussian();
            norm2 += into[i] * into[i];
        }
        double factor = scale * Math.pow(random.nextDouble(), 1.0 / dimension) / Math.sqrt(norm2);
        for (int i = 0; i < dimension; i++) {
            into[i] *= factor;
        }
    }

    @Override
    public double shiftDistance(double shift) {
        if (shift >= 2 * scale) {
            return 1;
        }
        double half = shift / (2 * scale);
        return RegularizedBeta.value(half * half, 0.5, (dimension + 1) / 2.0);
    }

    @Override
    public double radius(double lowerProbability) {
        double margin = lowerProbability - 0.5;
        if (!(margin > 0)) {
            return 0;
        }
        double certified = 0;
        double refuted = 2 * scale;
        for (int step = 0; step < BISECTION_STEPS && refuted - certified > Math.ulp(refuted); step++) {
            double middle = 0.5 * (certified + refuted);
            if (shiftDistance(middle) < margin) {
                certified = middle;
            } else {
                refuted = middle;
            }
        }
        return certified;
    }
}
