package dev.stabilis.smoothing;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Certified top-k membership by randomized smoothing, in the manner of Anani, Lorenz, Fritz and Schiele (ICML 2025,
 * "Pixel-level certified explanations via randomized smoothing"): each feature i is a binary classifier
 * f_i(y) = [i is among the top k of |g(y)|] (ties to the lower index), smoothed as
 * p_i(x) = P_η(f_i(x + η) = 1). The smoothed top-k set is S(x) = {i : p_i(x) &gt; ½}. Since exactly k features
 * are in the top k at every point, Σ p_i = k.
 *
 * <p>From the counts of n noisy draws, every p_i gets a two-sided Clopper–Pearson interval [p̲_i, p̄_i] at level
 * α/d (α/(2d) on each side), so by Bonferroni all d intervals hold together with probability ≥ 1 − α. Anani et al.
 * (following Fischer et al.'s segmentation certificate) test each pixel against a fixed threshold τ at level α/d
 * and certify all at σΦ⁻¹(τ); this class keeps each feature's own radius instead (Cohen et al.), which needs both
 * ends of the interval because whether a feature is claimed in or out is decided from the same draws.
 *
 * <p>Feature i is certified <b>in</b> S(x + δ) for ‖δ‖ &lt; R_i⁺ = radius(p̲_i), and certified <b>out</b> for
 * ‖δ‖ &lt; R_i⁻ = radius(1 − p̄_i) (the complement classifier). The top-k set is certified at ε when the k features
 * of largest p̲ are in and every other feature is out: its certified radius is the least of those radii, and it is
 * 0 whenever fewer than k features have p̲ &gt; ½ or any other feature has p̄ ≥ ½.
 */
final class TopkMembership {

    private final int k;
    private final double[] frequency;
    private final double[] radiusIn;
    private final double[] radiusOut;

    /**
     * @param counts for each feature, in how many of the n draws it was in the top k
     * @param alpha the probability allowed for any of the d intervals to miss
     */
    TopkMembership(int[] counts, int samples, int k, double alpha, Noise noise) {
        int d = counts.length;
        this.k = k;
        this.frequency = new double[d];
        this.radiusIn = new double[d];
        this.radiusOut = new double[d];
        double sideAlpha = alpha / (2.0 * d);
        Map<Integer, double[]> byCount = new HashMap<>();
        for (int i = 0; i < d; i++) {
            double[] radii = byCount.computeIfAbsent(counts[i], c -> new double[] {
                noise.radius(ClopperPearson.lower(c, samples, sideAlpha)),
                noise.radius(1 - ClopperPearson.upper(c, samples, sideAlpha))});
            frequency[i] = (double) counts[i] / samples;
            radiusIn[i] = radii[0];
            radiusOut[i] = radii[1];
        }
    }

    /** p̂_i: the fraction of draws with feature i in the top k. */
    double[] frequency() {
        return frequency.clone();
    }

    /** The features certified in S(x + δ) for every ‖δ‖ ≤ ε, by decreasing frequency (ties to the lower index). */
    int[] certifiedIn(double epsilon) {
        return IntStream.range(0, radiusIn.length).filter(i -> radiusIn[i] > epsilon).boxed()
                .sorted((a, b) -> frequency[a] != frequency[b] ? Double.compare(frequency[b], frequency[a]) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
    }

    /** The features certified out of S(x + δ) for every ‖δ‖ ≤ ε, by index. */
    int[] certifiedOut(double epsilon) {
        return IntStream.range(0, radiusOut.length).filter(i -> radiusOut[i] > epsilon).toArray();
    }

    /** The largest R such that S(x + δ) is one and the same set of k features for every ‖δ‖ &lt; R (0 if none). */
    double setRadius() {
        Integer[] order = IntStream.range(0, radiusIn.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> radiusIn[a] != radiusIn[b] ? Double.compare(radiusIn[b], radiusIn[a]) : Integer.compare(a, b));
        double radius = Double.POSITIVE_INFINITY;
        for (int place = 0; place < order.length; place++) {
            radius = Math.min(radius, place < k ? radiusIn[order[place]] : radiusOut[order[place]]);
        }
        return radius;
    }
}
