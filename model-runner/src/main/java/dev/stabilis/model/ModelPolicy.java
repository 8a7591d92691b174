package dev.stabilis.model;

import java.util.List;

/**
 * A model version's policy, read from {@code stabilis.yaml}. Every section is optional; absent values take
 * the defaults documented in the README.
 *
 * @param inputShape per-sample input shape (required for TorchScript models), or null
 * @param featureNames one name per input feature, or empty
 * @param classNames one name per class, or empty
 * @param domainMin lower end of the input domain, one value or one per feature; empty when unbounded
 * @param domainMax upper end of the input domain, like {@code domainMin}
 * @param attribution attribution settings
 * @param certification certification settings
 * @param attack empirical stability settings
 * @param output which model output is explained
 */
public record ModelPolicy(long[] inputShape, List<String> featureNames, List<String> classNames, double[] domainMin,
        double[] domainMax, Attribution attribution, Certification certification, Attack attack, Output output) {

    /** The policy of a model without {@code stabilis.yaml}. */
    public static final ModelPolicy DEFAULT = new ModelPolicy(null, List.of(), List.of(), new double[0], new double[0],
            Attribution.DEFAULT, Certification.DEFAULT, Attack.DEFAULT, Output.DEFAULT);

    /**
     * The explained output.
     *
     * @param name the model output to explain, or null for the model's only output
     * @param explain {@code logit}: when the output is a softmax over classes, explain the logits it normalises;
     *     {@code probability}: explain the output as it is
     */
    public record Output(String name, String explain) {

        public static final Output DEFAULT = new Output(null, "logit");
    }

    /** This policy with another input domain (one value, or one per input feature). */
    public ModelPolicy withDomain(double[] min, double[] max) {
        return new ModelPolicy(inputShape, featureNames, classNames, min, max, attribution, certification, attack, output);
    }

    /**
     * Certification settings.
     *
     * @param method how gradient bounds are computed: {@code interval} or {@code linear}
     * @param epsilon half-width of the input box in raw feature units
     * @param k size of the certified top-k set
     * @param target {@code logit} or {@code logprob}
     * @param parameterGamma relative parameter radius γ (0: exact parameters)
     * @param splitLeaves sub-boxes of input splitting; 1 when tightening is {@code none}
     * @param radiusMax largest ε the certified-radius search considers; NaN for the largest domain range (1 without a domain)
     * @param radiusSteps bisection steps of the radius search
     */
    public record Certification(String method, double epsilon, int k, String target, double parameterGamma, int splitLeaves,
            double radiusMax, int radiusSteps) {

        public static final Certification DEFAULT = new Certification("interval", 0.01, 5, "logit", 0, 1, Double.NaN, 16);
    }

    /**
     * Empirical stability settings: the attack, its noise baseline and the thickness estimate.
     *
     * @param method {@code topk} or {@code targeted}
     * @param epsilon half-width of the attacked box; NaN for the certification's ε
     * @param k size of the top-k set; 0 for the certification's k
     * @param steps projected steps per restart
     * @param stepSize step length in raw feature units; NaN for 2.5 ε / steps
     * @param restarts restarts (the first at the sample, the others at random points)
     * @param seed seed of random starts, noise and thickness end points
     * @param beta softplus β of the surrogate that replaces ReLU for second-order signal
     * @param thicknessEndPoints uniform end points per sample of the thickness estimate
     * @param thicknessNodes nodes in t per segment of the thickness estimate
     */
    public record Attack(String method, double epsilon, int k, int steps, double stepSize, int restarts, long seed,
            double beta, int thicknessEndPoints, int thicknessNodes) {

        public static final Attack DEFAULT = new Attack("topk", Double.NaN, 0, 50, Double.NaN, 1, 0, 10, 8, 4);
    }

    /** The radius search's upper end: the configured one, else the largest domain range (1 without a domain). */
    public double radiusMax(int features) {
        if (!Double.isNaN(certification.radiusMax())) {
            return certification.radiusMax();
        }
        double max = 0;
        for (int i = 0; i < features; i++) {
            max = Math.max(max, range(i));
        }
        return max > 0 ? max : 1.0;
    }

    /**
     * Attribution settings.
     *
     * @param methods methods the runner computes, by name
     * @param target {@code logit} or {@code logprob}
     * @param igSteps Integrated Gradients steps
     * @param igBaseline baseline per feature, or null for zeros
     * @param smoothGradSamples SmoothGrad noisy copies
     * @param smoothGradSigma SmoothGrad noise standard deviation as a fraction of each feature's domain range
     *     (of 1 when the domain is not given)
     * @param smoothGradSeed SmoothGrad noise seed
     */
    public record Attribution(List<String> methods, String target, int igSteps, double[] igBaseline,
            int smoothGradSamples, double smoothGradSigma, long smoothGradSeed) {

        public static final Attribution DEFAULT = new Attribution(List.of("saliency"), "logit", 32, null, 16, 0.1, 0);
    }

    /** Whether the policy bounds the input domain. */
    public boolean hasDomain() {
        return domainMin.length > 0;
    }

    /** The domain range of feature i (1 when no domain is given). */
    public double range(int feature) {
        if (!hasDomain()) {
            return 1.0;
        }
        return at(domainMax, feature) - at(domainMin, feature);
    }

    /**
     * Where a sample leaves the input domain: its first feature outside it, as
     * {@code feature 3 (px_0_3) = 16.0 is outside the domain [0.0, 1.0]}, or null when every feature is inside or the
     * policy sets no domain. The bounds are compared as float32, as the engine holds them, so a value sent as the bound
     * itself is inside; NaN is outside.
     */
    public String outsideDomain(float[] features) {
        if (!hasDomain()) {
            return null;
        }
        for (int i = 0; i < features.length; i++) {
            double lo = at(domainMin, i);
            double hi = at(domainMax, i);
            float value = features[i];
            if (!(value >= (float) lo && value <= (float) hi)) {
                String name = i < featureNames.size() ? " (" + featureNames.get(i) + ")" : "";
                return "feature " + i + name + " = " + value + " is outside the domain [" + lo + ", " + hi + "]";
            }
        }
        return null;
    }

    private static double at(double[] values, int i) {
        return values.length == 1 ? values[0] : values[i];
    }
}
