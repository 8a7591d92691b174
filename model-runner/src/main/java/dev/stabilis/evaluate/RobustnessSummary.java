package dev.stabilis.evaluate;

import java.util.List;

/**
 * How one model does on a labelled data set.
 *
 * @param samples number of samples
 * @param accuracy fraction of samples whose predicted class (argmax of the logits) is the label
 * @param k size of the top-k set
 * @param medianRadius median over samples (the upper one for an even count) of the certified radius: the
 *     largest ε (up to {@code radiusMax}) at which the top-k set of the gradient explanation is certified
 * @param radiusMax the largest ε the radius search considered
 * @param perEpsilon certification and attack results at each ε, in the order asked
 */
public record RobustnessSummary(int samples, double accuracy, int k, double medianRadius, double radiusMax,
        List<AtEpsilon> perEpsilon) {

    public RobustnessSummary {
        perEpsilon = List.copyOf(perEpsilon);
    }

    /**
     * Results in the box {@code [x − ε, x + ε]} clipped to the domain, which certification and attack share.
     *
     * @param epsilon the box half-width, in raw feature units
     * @param certifiedTopk fraction of samples whose top-k set is certified
     * @param attackSuccess fraction of samples whose top-k set the top-k attack changed while the class stayed
     * @param meanTopkIntersection mean over samples of {@code |T_k(g) ∩ T_k(g′)| / k} at the attack's strongest point
     */
    public record AtEpsilon(double epsilon, double certifiedTopk, double attackSuccess, double meanTopkIntersection) {}
}
