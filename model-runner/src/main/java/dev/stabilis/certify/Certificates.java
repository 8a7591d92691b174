package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;

/**
 * Turns gradient bounds into a {@link Certificate} (ALGORITHMS.md §1.7), a batch at a time with tensor ops on the
 * bounds' device. Ranking is by |g|, ties broken by the lower feature index, so the top-k set of a gradient is
 * deterministic.
 */
public final class Certificates {

    /** The feature axis of a batch's {@code [N, F]} arrays. */
    private static final int[] ROW = {1};
    /** Values per sample that {@link #of} copies to the host. */
    private static final int SUMMARY = 10;

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
     * The certificates of a batch, computed with tensor ops on the bounds' device and copied to the host once
     * (ALGORITHMS.md §1.7; {@code small} is the least and {@code big} the largest magnitude a bound allows).
     *
     * @param gradient {@code [N, inputShape...]} float64 gradient at each sample
     * @param bounds its bounds over each sample's box (and the logit bounds)
     * @param predicted {@code [N]} int64 class at each sample
     * @param constants scalar constants of the model (±∞)
     * @throws IllegalArgumentException when k is not in [1, features]
     */
    public static Certificate[] of(NDArray gradient, IntervalBounds bounds, NDArray predicted, int k, Scalars constants) {
        int n = (int) gradient.getShape().get(0);
        NDArray g = gradient.reshape(n, -1);
        NDArray lower = bounds.gradientLower().reshape(n, -1);
        NDArray upper = bounds.gradientUpper().reshape(n, -1);
        int features = (int) g.getShape().get(1);
        TopK top = TopK.of(g, k);
        NDArray big = NDArrays.maximum(lower.abs(), upper.abs());
        NDArray small = small(lower, upper);
        NDArray deviation = NDArrays.maximum(upper.sub(g), g.sub(lower));
        NDArray summary = NDArrays.stack(new NDList(
                top.certified(small, big, constants, lower).toType(DataType.FLOAT64, false),
                overlap(top, small, big, k, constants).toType(DataType.FLOAT64, false),
                small.gt(0).sum(ROW).toType(DataType.FLOAT64, false), // sign-stable: 0 ∉ [l, u]
                deviation.max(ROW),
                deviation.square().sum(ROW),
                NDArrays.minimum(g.mul(lower), g.mul(upper)).sum(ROW),
                g.square().sum(ROW),
                big.square().sum(ROW),
                small.square().sum(ROW),
                predictionCertified(bounds.logitLower(), bounds.logitUpper(), predicted, constants)
                        .toType(DataType.FLOAT64, false)), 1);
        double[] host = summary.toDoubleArray(); // a numerator summed to −0 reads as +0, as a sum from +0 would
        Certificate[] out = new Certificate[n];
        for (int i = 0; i < n; i++) {
            int at = i * SUMMARY;
            out[i] = new Certificate(host[at] != 0, (int) host[at + 1], host[at + 2] / features, Math.max(0, host[at + 3]),
                    Math.sqrt(host[at + 4]),
                    cosineLower(host[at + 5] + 0.0, Math.sqrt(host[at + 6]), Math.sqrt(host[at + 7]), Math.sqrt(host[at + 8])),
                    host[at + 9] != 0, Double.NaN);
        }
        return out;
    }

    /**
     * C4 alone for a batch: whether each row's top-k set of |g| is certified by its bounds (the smallest possible
     * magnitude in the set exceeds the largest possible magnitude outside it). The radius search needs only this,
     * with the same set at every ε.
     *
     * @param top the top-k set of each row's gradient, from {@link TopK#of}
     * @param lower {@code [N, inputShape...]} lower gradient bounds; the results are owned by its manager
     */
    public static boolean[] topkCertified(TopK top, NDArray lower, NDArray upper, Scalars constants) {
        long n = lower.getShape().get(0);
        NDArray lo = lower.reshape(n, -1);
        NDArray hi = upper.reshape(n, -1);
        NDArray big = NDArrays.maximum(lo.abs(), hi.abs());
        return top.certified(small(lo, hi), big, constants, lo).toBooleanArray();
    }

    /**
     * The top-k set of |g| of each row of a batch, largest magnitude first and ties to the lower index (the set of
     * {@link #topK(double[], int)}), as masks on the gradient's device.
     *
     * @param inside {@code [N, F]} boolean: the feature is in the row's top-k set
     * @param outside its complement
     */
    public record TopK(NDArray inside, NDArray outside) {

        /**
         * The sets of a batch's gradients {@code [N, inputShape...]}.
         *
         * @throws IllegalArgumentException when k is not in [1, features]
         */
        public static TopK of(NDArray gradient, int k) {
            long n = gradient.getShape().get(0);
            NDArray magnitude = gradient.reshape(n, -1).abs();
            long features = magnitude.getShape().get(1);
            if (k < 1 || k > features) {
                throw new IllegalArgumentException("k must be in [1, " + features + "], got " + k);
            }
            NDArray kth = magnitude.topK(k, 1, true, false).get(0).min(ROW, true);
            NDArray greater = magnitude.gt(kth);
            NDArray tied = magnitude.eq(kth);
            // of the features tied with the k-th magnitude, the lower indices fill the places the larger ones leave
            NDArray inside = greater.logicalOr(tied.logicalAnd(tied.cumSum(1).add(greater.sum(ROW, true)).lte(k)));
            return new TopK(inside, inside.logicalNot());
        }

        /** {@code min(small over the set) > max(big outside it)} per row (−∞ outside an empty complement). */
        NDArray certified(NDArray small, NDArray big, Scalars constants, NDArray owner) {
            NDArray leastInside = Tensors.where(inside, small, constants.of(Double.POSITIVE_INFINITY), owner).min(ROW);
            NDArray mostOutside = Tensors.where(outside, big, constants.of(Double.NEGATIVE_INFINITY), owner).max(ROW);
            return leastInside.gt(mostOutside);
        }
    }

    /**
     * The least magnitude in {@code [l, u]}: its distance from 0, {@code max(l, −u, 0)} (0 when the interval
     * straddles 0, else {@code min(|l|, |u|)}, for l ≤ u).
     */
    private static NDArray small(NDArray lower, NDArray upper) {
        return NDArrays.maximum(lower, upper.neg()).maximum(0);
    }

    /**
     * How many of each row's top-k features stay in the top-k: those whose least magnitude exceeds the k-th largest
     * magnitude of the others, which is the (k+1)-th largest overall when the feature's own largest magnitude is at
     * or above the k-th largest, else the k-th (−∞ when k = features: nothing can overtake).
     */
    private static NDArray overlap(TopK top, NDArray small, NDArray big, int k, Scalars constants) {
        long features = big.getShape().get(1);
        NDArray others;
        if (k == features) {
            others = constants.of(Double.NEGATIVE_INFINITY);
        } else {
            NDArray descending = big.topK(k + 1, 1, true, true).get(0);
            NDArray kth = descending.get(new NDIndex().addAllDim().addSliceDim(k - 1, k));
            NDArray next = descending.get(new NDIndex().addAllDim().addSliceDim(k, k + 1));
            others = Tensors.where(big.gte(kth), next, kth);
        }
        return small.gt(others).logicalAnd(top.inside()).sum(ROW);
    }

    /** C8: {@code num / (‖g‖ ‖M‖)} when the numerator is non-negative, else {@code max(−1, num / (‖g‖ ‖m‖))}. */
    static double cosineLower(double numerator, double gNorm, double bigNorm, double smallNorm) {
        if (gNorm == 0) {
            return -1;
        }
        if (numerator >= 0) {
            return bigNorm == 0 ? -1 : Math.min(1, numerator / (gNorm * bigNorm));
        }
        return smallNorm == 0 ? -1 : Math.max(-1, numerator / (gNorm * smallNorm));
    }

    /** Standard IBP: the predicted logit's lower bound exceeds every other logit's upper bound. */
    private static NDArray predictionCertified(NDArray lower, NDArray upper, NDArray predicted, Scalars constants) {
        long n = lower.getShape().get(0);
        NDArray least = lower.gather(predicted.reshape(n, 1), 1).reshape(n);
        NDArray isPredicted = predicted.oneHot((int) upper.getShape().get(1), DataType.BOOLEAN);
        NDArray mostOther = Tensors.where(isPredicted, constants.of(Double.NEGATIVE_INFINITY), upper, upper).max(ROW);
        return least.gt(mostOther);
    }
}
