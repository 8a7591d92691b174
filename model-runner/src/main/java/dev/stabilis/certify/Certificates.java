package dev.stabilis.certify;

/**
 * Turns gradient bounds into a {@link Certificate} (ALGORITHMS.md §1.7). Ranking is by |g|, ties broken by
 * the lower feature index, so the top-k set of a gradient is deterministic.
 */
public final class Certificates {

    private Certificates() {}

    /**
     * The top-k features of |g|: largest magnitude first, ties to the lower index.
     *
     * @throws IllegalArgumentException when k is not in [1, n]
     */
    public static int[] topK(double[] g, int k) {
        if (k < 1 || k > g.length) {
            throw new IllegalArgumentException("k must be in [1, " + g.length + "], got " + k);
        }
        int[] top = new int[k];
        int size = 0;
        for (int i = 0; i < g.length; i++) {
            double m = Math.abs(g[i]);
            if (size == k && m <= Math.abs(g[top[k - 1]])) {
                continue; // not larger than the current k-th: an equal one loses the tie to its lower index
            }
            int at = size < k ? size++ : k - 1;
            while (at > 0 && Math.abs(g[top[at - 1]]) < m) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
        }
        return top;
    }

    /**
     * Certificates from the gradient g at the sample and its bounds over the box.
     *
     * @param logitLower lower logit bounds; {@code logitUpper} upper; {@code predicted} the class at the sample
     */
    public static Certificate of(double[] g, double[] lower, double[] upper, int k, double[] logitLower,
            double[] logitUpper, int predicted) {
        int n = g.length;
        double[] big = new double[n];
        double[] small = new double[n];
        int signStable = 0;
        double linf = 0;
        double l2 = 0;
        double numerator = 0;
        double gNorm = 0;
        double bigNorm = 0;
        double smallNorm = 0;
        for (int i = 0; i < n; i++) {
            big[i] = Math.max(Math.abs(lower[i]), Math.abs(upper[i]));
            small[i] = lower[i] <= 0 && upper[i] >= 0 ? 0 : Math.min(Math.abs(lower[i]), Math.abs(upper[i]));
            if (lower[i] > 0 || upper[i] < 0) {
                signStable++;
            }
            double deviation = Math.max(upper[i] - g[i], g[i] - lower[i]);
            linf = Math.max(linf, deviation);
            l2 += deviation * deviation;
            numerator += Math.min(g[i] * lower[i], g[i] * upper[i]);
            gNorm += g[i] * g[i];
            bigNorm += big[i] * big[i];
            smallNorm += small[i] * small[i];
        }
        int[] top = topK(g, k);
        boolean topk = topkCertified(top, lower, upper);
        double[] descending = largest(big, Math.min(k + 1, n));
        int overlap = 0;
        for (int i : top) {
            if (small[i] > kthLargestExcluding(descending, big[i], k)) {
                overlap++;
            }
        }
        return new Certificate(topk, overlap, (double) signStable / n, linf, Math.sqrt(l2),
                cosineLower(numerator, Math.sqrt(gNorm), Math.sqrt(bigNorm), Math.sqrt(smallNorm)),
                predictionCertified(logitLower, logitUpper, predicted), Double.NaN);
    }

    /**
     * C4 alone: whether the top-k set of |g| is certified by the bounds (the smallest possible magnitude in the
     * set exceeds the largest possible magnitude outside it). The radius search needs only this.
     */
    public static boolean topkCertified(double[] g, double[] lower, double[] upper, int k) {
        return topkCertified(topK(g, k), lower, upper);
    }

    private static boolean topkCertified(int[] top, double[] lower, double[] upper) {
        boolean[] inTop = new boolean[lower.length];
        for (int i : top) {
            inTop[i] = true;
        }
        double minTopSmall = Double.POSITIVE_INFINITY;
        double maxRestBig = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < lower.length; i++) {
            if (inTop[i]) {
                boolean straddles = lower[i] <= 0 && upper[i] >= 0;
                minTopSmall = Math.min(minTopSmall, straddles ? 0 : Math.min(Math.abs(lower[i]), Math.abs(upper[i])));
            } else {
                maxRestBig = Math.max(maxRestBig, Math.max(Math.abs(lower[i]), Math.abs(upper[i])));
            }
        }
        return minTopSmall > maxRestBig;
    }

    /** C8: {@code num / (‖g‖ ‖M‖)} when the numerator is non-negative, else {@code max(−1, num / (‖g‖ ‖m‖))}. */
    private static double cosineLower(double numerator, double gNorm, double bigNorm, double smallNorm) {
        if (gNorm == 0) {
            return -1;
        }
        if (numerator >= 0) {
            return bigNorm == 0 ? -1 : Math.min(1, numerator / (gNorm * bigNorm));
        }
        return smallNorm == 0 ? -1 : Math.max(-1, numerator / (gNorm * smallNorm));
    }

    /**
     * The k-th largest of the values without one entry of value {@code own}, from the k+1 largest values (fewer
     * when there are fewer values) sorted descending: removing an entry at or above the k-th largest moves the
     * (k+1)-th into k-th place (−∞ when too few remain).
     */
    private static double kthLargestExcluding(double[] descending, double own, int k) {
        if (descending.length - 1 < k) {
            return Double.NEGATIVE_INFINITY;
        }
        return own >= descending[k - 1] ? descending[k] : descending[k - 1];
    }

    /** The {@code count} largest values in {@link Double#compare} order, descending: O(n·count), no full sort. */
    private static double[] largest(double[] values, int count) {
        double[] top = new double[count];
        int size = 0;
        for (double v : values) {
            if (size == count && Double.compare(v, top[count - 1]) <= 0) {
                continue;
            }
            int at = size < count ? size++ : count - 1;
            while (at > 0 && Double.compare(top[at - 1], v) < 0) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = v;
        }
        return top;
    }

    /** Standard IBP: the predicted logit's lower bound exceeds every other logit's upper bound. */
    private static boolean predictionCertified(double[] lower, double[] upper, int predicted) {
        for (int j = 0; j < upper.length; j++) {
            if (j != predicted && lower[predicted] <= upper[j]) {
                return false;
            }
        }
        return true;
    }
}
