package dev.stabilis.smoothing;

import java.util.random.RandomGenerator;
import org.apache.commons.numbers.gamma.Erf;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Isotropic Gaussian noise N(0, σ²I).
 *
 * <p>Shift distance: projecting onto the direction of δ leaves two one-dimensional normals N(0, σ²) and
 * N(‖δ‖, σ²) (the orthogonal parts are equal), whose densities cross at ‖δ‖/2, so
 * τ(s) = Φ(s/2σ) − Φ(−s/2σ) = 2Φ(s/2σ) − 1 = erf(s / (2√2 σ)).
 *
 * <p>Radius (Cohen, Rosenfeld and Kolter 2019, Theorem 1, by the Neyman–Pearson lemma): if p(x) ≥ p̲ then
 * p(x + δ) ≥ Φ(Φ⁻¹(p̲) − ‖δ‖/σ), which exceeds ½ exactly when ‖δ‖ &lt; σ Φ⁻¹(p̲).
 *
 * @param scale the standard deviation σ
 * @param dimension the input dimension d
 */
public record GaussianNoise(double scale, int dimension) implements Noise {

    private static final NormalDistribution STANDARD = NormalDistribution.of(0, 1);

    public GaussianNoise {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("gaussian sigma must be a finite number > 0, got " + scale);
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
        }
    }

    @Override
    public NoiseKind kind() {
        return NoiseKind.GAUSSIAN;
    }

    @Override
    public void sample(RandomGenerator random, double[] into) {
        for (int i = 0; i < dimension; i++) {
            into[i] = scale * random.nextGaussian();
        }
    }

    @Override
    public double shiftDistance(double shift) {
        return Erf.value(shift / (2 * Math.sqrt(2) * scale));
    }

    @Override
    public double radius(double lowerProbability) {
        return lowerProbability > 0.5 ? scale * STANDARD.inverseCumulativeProbability(lowerProbability) : 0;
    }
}
