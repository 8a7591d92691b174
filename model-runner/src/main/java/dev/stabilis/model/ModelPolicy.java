package dev.stabilis.model;

import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.smoothing.NoiseKind;
import dev.stabilis.smoothing.SmoothingSettings;
import java.util.List;

/**
 * A model version's policy, read from {@code stabilis.yaml}. Every section is optional; absent values take
 * the defaults documented in the README.
 *
 * @param inputShape per-sample input shape (required for TorchScript models), or null
 * @param inputEmbedding for an ONNX model that takes token ids, the embedding lookup (a Gather node's name or its
 *     output's) whose output is explained; null when the input is not token ids (or its only lookup is meant)
 * @param featureNames one name per input feature, or empty
 * @param classNames one name per class, or empty
 * @param domainMin lower end of the input domain, one value or one per feature; empty when unbounded
 * @param domainMax upper end of the input domain, like {@code domainMin}
 * @param attribution attribution settings
 * @param certification certification settings
 * @param attack empirical stability settings
 * @param output which model output is explained
 * @param sampling which share of the traffic gets the full analysis
 */
public record ModelPolicy(long[] inputShape, String inputEmbedding, List<String> featureNames, List<String> classNames,
        double[] domainMin, double[] domainMax, Attribution attribution, Certification certification, Attack attack, Output output,
        Sampling sampling) {

    /** The policy of a model without {@code stabilis.yaml}. */
    public static final ModelPolicy DEFAULT = new ModelPolicy(null, null, List.of(), List.of(), new double[0], new double[0],
            Attribution.DEFAULT, Certification.DEFAULT, Attack.DEFAULT, Output.DEFAULT, Sampling.DEFAULT);

    /**
     * Cost control: the share of samples that get the full analysis (certificate, attack, curvature), the others
     * getting their attributions only, and a time budget per sample for those analyses. Which samples is decided by
     * their request id and index, so a replay picks the same.
     *
     * @param fraction in [0, 1]; 1 analyses every sample
     * @param budgetMs the time a batch may spend per sample; the analyses after the attributions that would not fit
     *     are skipped for the batch (and named in the records' {@code overBudget}); 0 for no budget
     */
    public record Sampling(double fraction, double budgetMs) {

        public static final Sampling DEFAULT = new Sampling(1, 0);
    }

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
        return new ModelPolicy(inputShape, inputEmbedding, featureNames, classNames, min, max, attribution, certification, attack,
                output, sampling);
    }

    /**
     * Certification settings.
     *
     * @param method how the explanation is certified: {@code interval} or {@code linear} gradient bounds over the ε-box,
     *     {@code smoothing} certificates of the smoothed attribution over an ℓ2 ball, or {@code auto}; null when the policy
     *     names none, which is {@code auto} (see {@link CertificationChoice})
     * @param epsilon half-width of the input box in raw feature units
     * @param k size of the certified top-k set
     * @param target {@code logit} or {@code logprob}
     * @param parameterGamma relative parameter radius γ (0: exact parameters)
     * @param splitting input splitting: at most {@code splitLeaves} sub-boxes (1 when tightening is {@code none}) within
     *     {@code splitBudgetMs} per sample
     * @param radiusMax largest ε the certified-radius search considers; NaN for the largest domain range (1 without a domain)
     * @param radiusSteps bisection steps of the radius search
     * @param alphaSteps for {@code linear}: projected-gradient steps that optimise the relaxation parameters per sample
     *     ({@code certification.linear.alphaSteps}; 0: the fixed default relaxations)
     * @param smoothing the smoothing certificate's settings, used when {@code method} is {@code smoothing}
     */
    public record Certification(String method, double epsilon, int k, String target, double parameterGamma, Splitting splitting,
            double radiusMax, int radiusSteps, int alphaSteps, Smoothing smoothing) {

        /** Sub-boxes of input splitting when the policy turns it on and names no number. */
        public static final int DEFAULT_SPLIT_LEAVES = 16;

        /** Time input splitting may take per sample unless the policy says otherwise. */
        public static final double DEFAULT_SPLIT_BUDGET_MS = 20;

        public static final Certification DEFAULT = new Certification(null, 0.01, 5, "logit", 0,
                new Splitting(1, DEFAULT_SPLIT_BUDGET_MS), Double.NaN, 16, 0, Smoothing.DEFAULT);
    }

    /**
     * Smoothing certificate settings (the smoothed saliency of the certified class).
     *
     * @param noise {@code uniform-ball} (uniform in an ℓ2 ball) or {@code gaussian}
     * @param scale the ball's radius or the Gaussian's σ, in raw feature units; NaN for noise whose spread per coordinate
     *     is {@link #SPREAD} of the domain range ({@link ModelPolicy#smoothingScale})
     * @param samples Monte Carlo draws per sample
     * @param alpha the probability allowed for any claim of a certificate to be wrong
     * @param radius the ℓ2 radius ε the certificate speaks about
     * @param clipNorm the ℓ2 norm each noisy saliency is clipped to, or {@link SmoothingSettings#UNIT_NORM} (policy
     *     {@code unit}): each scaled to norm 1, so that directions are averaged whatever the model's gradient scale
     * @param seed noise seed
     * @param rowBudget the most noisy rows one forward and backward pass takes
     */
    public record Smoothing(String noise, double scale, int samples, double alpha, double radius, double clipNorm, long seed,
            int rowBudget) {

        public static final Smoothing DEFAULT = new Smoothing("uniform-ball", Double.NaN, 1000, 0.001, 0.1,
                SmoothingSettings.UNIT_NORM, 0, 8192);

        /**
         * The default noise's spread per coordinate, as a fraction of the domain range: an eighth, which on 64 features
         * in [0, 1] is the ball of radius 1, and keeps the claims at the default radius possible on any input size
         * (the ceiling ε ≈ 1.1·r/√d of a uniform-ball cosine claim is then about 0.14 of the range).
         */
        public static final double SPREAD = 0.125;
    }

    /**
     * The smoothing noise's scale for inputs of {@code features} features: the configured one, else the scale whose
     * spread per coordinate is {@link Smoothing#SPREAD} of the mean domain range (of 1 without a domain).
     */
    public double smoothingScale(int features) {
        Smoothing s = certification.smoothing();
        if (!Double.isNaN(s.scale())) {
            return s.scale();
        }
        double range = 0;
        for (int i = 0; i < features; i++) {
            range += range(i);
        }
        return NoiseKind.parse(s.noise()).scaleFor(Smoothing.SPREAD * range / features, features);
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
     * @param igTolerance largest relative IG completeness gap a row is left with before its steps are tripled; NaN to
     *     never refine
     * @param igMaxSteps most IG steps a refined row may reach, or null for nine times the steps
     * @param smoothGradSamples SmoothGrad noisy copies
     * @param smoothGradSigma SmoothGrad noise standard deviation as a fraction of each feature's domain range
     *     (of 1 when the domain is not given)
     * @param smoothGradSeed SmoothGrad noise seed
     */
    public record Attribution(List<String> methods, String target, int igSteps, double[] igBaseline, double igTolerance,
            Integer igMaxSteps, int smoothGradSamples, double smoothGradSigma, long smoothGradSeed) {

        public static final Attribution DEFAULT = new Attribution(List.of("saliency"), "logit", 32, null, 0.01, null, 16, 0.1, 0);

        /** How many IG steps a row run with {@code steps} first may be refined to. */
        public int igMaxSteps(int steps) {
            return igMaxSteps != null ? igMaxSteps : 9 * steps;
        }
    }

    /** Whether the policy bounds the input domain. */
    public boolean hasDomain() {
        return domainMin.length > 0;
    }

    /** The lower end of feature i's domain; the policy must set a domain. */
    public double domainLower(int feature) {
        return at(domainMin, feature);
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
        return outsideDomain(features, featureNames);
    }

    /**
     * {@link #outsideDomain(float[])} of values named otherwise than by {@code features.names} (a token model's
     * embedding coordinates).
     */
    public String outsideDomain(float[] features, List<String> names) {
        if (!hasDomain()) {
            return null;
        }
        for (int i = 0; i < features.length; i++) {
            double lo = at(domainMin, i);
            double hi = at(domainMax, i);
            float value = features[i];
            if (!(value >= (float) lo && value <= (float) hi)) {
                String name = i < names.size() ? " (" + names.get(i) + ")" : "";
                return "feature " + i + name + " = " + value + " is outside the domain [" + lo + ", " + hi + "]";
            }
        }
        return null;
    }

    private static double at(double[] values, int i) {
        return values.length == 1 ? values[0] : values[i];
    }
}
