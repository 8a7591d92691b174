package dev.stabilis.certify;

/**
 * What is certified for one sample: every statement holds for every input in the box (and every parameter
 * in the parameter box, when one was given).
 *
 * @param topk the top-k set of |gradient| cannot change
 * @param topkOverlap at least this many of today's top-k features stay in the top-k (0..k)
 * @param signStable fraction of features whose gradient sign cannot change
 * @param maxDeviationLinf largest possible |g′_i − g_i| over features
 * @param maxDeviationL2 largest possible ‖g′ − g‖₂
 * @param cosineLower lower bound of cos(g′, g)
 * @param prediction the predicted class cannot change (interval bound on the logits)
 * @param radius the largest ε found at which the top-k set is certified, or NaN when not computed
 */
public record Certificate(boolean topk, int topkOverlap, double signStable, double maxDeviationLinf,
        double maxDeviationL2, double cosineLower, boolean prediction, double radius) {

    /** This certificate with a certified radius. */
    public Certificate withRadius(double value) {
        return new Certificate(topk, topkOverlap, signStable, maxDeviationLinf, maxDeviationL2, cosineLower, prediction, value);
    }
}
