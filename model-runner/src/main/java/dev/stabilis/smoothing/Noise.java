package dev.stabilis.smoothing;

import java.util.random.RandomGenerator;

/**
 * A rotation-invariant noise distribution μ on ℝ^d that smoothing averages over, with the two facts about it that
 * the certificates rest on.
 *
 * <p><b>Shift distance.</b> τ(s) is the total-variation distance between μ and μ shifted by any δ with ‖δ‖₂ = s
 * (rotation invariance makes it depend on ‖δ‖ only); both implementations have τ increasing in s, so τ(ε) bounds
 * every shift of norm at most ε. For any function f of the noisy input with {@code ‖f‖ ≤ M} (a number in [0, 1],
 * or a vector in a Hilbert space),
 * {@code ‖E f(x + δ + η) − E f(x + η)‖ = ‖∫ f(y)(q(y) − p(y)) dy‖ ≤ M ∫|q − p| = 2M·τ(‖δ‖)}, with p and q the
 * densities of x + η and x + δ + η.
 *
 * <p><b>Radius.</b> For a base classifier f with values in {0, 1} and p(x) = P(f(x + η) = 1), {@link #radius}
 * gives the largest R such that p(x) ≥ p̲ implies p(x + δ) &gt; ½ for every ‖δ‖₂ &lt; R.
 */
public sealed interface Noise permits UniformBallNoise, GaussianNoise {

    /** Which distribution this is. */
    NoiseKind kind();

    /** The ball radius r or the standard deviation σ. */
    double scale();

    /** The dimension d of the input. */
    int dimension();

    /** Draws one noise vector η into {@code into} (length d). */
    void sample(RandomGenerator random, double[] into);

    /** τ(s): the total-variation distance between μ and μ shifted by a vector of ℓ2 norm {@code shift}. */
    double shiftDistance(double shift);

    /**
     * The largest R such that a class probability of at least {@code lowerProbability} at x stays above ½ at every
     * x + δ with ‖δ‖₂ &lt; R; 0 when {@code lowerProbability ≤ ½}.
     */
    double radius(double lowerProbability);
}
