package dev.stabilis.smoothing;

/**
 * The certified cosine similarity of a smoothed attribution h(x) = E_{η∼μ}[ĝ(x + η)], with ĝ the saliency clipped
 * to ℓ2 norm M ({@code ĝ = g · min(1, M/‖g‖)}; scaling to unit norm, {@link SmoothingSettings#UNIT_NORM}, is a field
 * bounded by M = 1 and is covered alike), between x and any x + δ with ‖δ‖₂ ≤ ε. Three steps, each sound on its own:
 *
 * <ol>
 * <li><b>Deviation.</b> ‖h(x + δ) − h(x)‖ ≤ D = 2M·τ(ε), τ the noise's shift distance ({@link Noise}). For the
 * uniform ball this is M·Vol(B Δ B')/Vol(B), the bound of Wang and Kong (NeurIPS 2024, arXiv 2405.06361).</li>
 * <li><b>Norm.</b> ‖h(x)‖ ≥ L = ‖ĥ‖ − t with probability at least 1 − α, ĥ the mean of ĝ over n independent noise
 * draws and t = M(1 + √(2 ln(1/α)))/√n. Proof: f = ‖ĥ − h‖ changes by at most 2M/n when one draw changes
 * (‖ĝ‖ ≤ M), so McDiarmid's inequality gives P(f ≥ E f + s) ≤ exp(−n s²/(2M²)); and by Jensen
 * E f ≤ √(E‖ĥ − h‖²) = √((E‖ĝ‖² − ‖h‖²)/n) ≤ M/√n. Setting s = M√(2 ln(1/α)/n) gives P(‖ĥ − h‖ ≥ t) ≤ α.
 * (Pinelis's inequality for bounded vectors in a Hilbert space, P(‖ĥ − h‖ ≥ t) ≤ 2 exp(−n t²/(8M²)), needs
 * t = 2M√(2 ln(2/α))/√n, larger for every α in (0, 1): 7.80 M/√n against 4.72 M/√n at α = 0.001.)</li>
 * <li><b>Angle.</b> For vectors a ≠ 0 and b with ‖b − a‖ ≤ D &lt; ‖a‖, the cone from the origin tangent to the
 * ball B(a; D) has half-angle arcsin(D/‖a‖), so cos(a, b) ≥ √(1 − (D/‖a‖)²), with equality at the tangent point.
 * The bound decreases in D and increases in ‖a‖, so it holds with D and the lower bound L in their places.</li>
 * </ol>
 *
 * <p><b>Why not the paper's closed form.</b> Wang and Kong state the bound as
 * T = ‖h‖/√(‖h‖² + (M V_U/V_S)²) = 1/√(1 + (D'/‖h‖)²) with D' = M V_U/V_S (Section 4; only the abstract and this
 * statement could be consulted here). For every D' &gt; 0, 1/√(1 + t²) &gt; √(1 − t²), and the smaller value is
 * attained: with regions I = B ∩ B', A = B \ B', C = B' \ B of volume fractions v_I and v_A, the field equal to
 * −M·u on A, +M·u on C and (V_S h(x) + M|A| u)/|I| on I, for a unit u with u·h(x) = −D, stays within norm M
 * whenever D ≤ ‖h(x)‖ ≤ M√(v_I² + 3v_A²), and gives cos(h(x), h(x + δ)) = √(1 − (D/‖h(x)‖)²) exactly
 * ({@code CosineBoundTest} builds it). So T overstates the worst case for a field bounded by M, whether V_U is the
 * symmetric difference or one side of it; T would hold only if h(x + δ) − h(x) were orthogonal to h(x), which
 * nothing enforces. This class reports √(1 − (D/L)²), the exact worst case given ‖h(x)‖ ≥ L and ‖Δh‖ ≤ D.
 */
public final class CosineBound {

    private CosineBound() {}

    /** D = 2M·τ(ε): the largest change of the smoothed attribution over shifts of norm at most ε. */
    public static double deviation(double clipNorm, Noise noise, double epsilon) {
        return 2 * clipNorm * noise.shiftDistance(epsilon);
    }

    /** t: ‖ĥ − h‖ exceeds it with probability at most α (McDiarmid, see the class comment). */
    public static double estimationError(double clipNorm, int samples, double alpha) {
        return clipNorm * (1 + Math.sqrt(2 * Math.log(1 / alpha))) / Math.sqrt(samples);
    }

    /** The cosine lower bound √(1 − (D/L)²) when D &lt; L, else −1 (no claim). */
    public static double lower(double normLower, double deviation) {
        if (!(normLower > deviation)) {
            return -1;
        }
        double ratio = deviation / normLower;
        return Math.sqrt(1 - ratio * ratio);
    }
}
