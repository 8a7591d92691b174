package dev.stabilis.model;

import dev.stabilis.certify.Certificate;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.smoothing.SmoothingCertifier;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How a model version's explanations are certified, and why. A policy that names {@code interval}, {@code linear} or
 * {@code smoothing} in {@code certification.method} gets that method. One that names none, or {@code auto}, gets
 * interval bounds unless they cannot say anything about the model, in which case it gets smoothing certificates, which
 * need only gradients:
 * <ul>
 *   <li>a model without a layer graph (TorchScript) cannot be bounded at all;</li>
 *   <li>interval bounds are <em>vacuous</em> when, at the policy's ε, k and score, they certify neither a feature of the
 *       top-k set nor a gradient sign (or are not finite) on every one of {@value #PROBES} probe points of the policy's
 *       input domain: its centre and seeded uniform draws from it (from [0, 1] per feature without a domain).</li>
 * </ul>
 * Every operator the graph reads has an interval rule (the rules are dispatched exhaustively), so a graph is never
 * refused intervals for want of one; their uselessness is what is measured.
 *
 * @param method {@code interval}, {@code linear} or {@code smoothing}
 * @param reason why, in words, for the load-time log
 */
public record CertificationChoice(String method, String reason) {

    /** The policy value (and the meaning of no value) that asks for the automatic choice. */
    public static final String AUTO = "auto";
    /** How many probe points of the input domain decide whether interval bounds are vacuous. */
    static final int PROBES = 4;
    private static final long PROBE_SEED = 0x5eed_15L;

    /** The method the model's policy names, else the automatic choice. */
    static CertificationChoice of(LoadedModel loaded) {
        String named = loaded.policy().certification().method();
        if (named != null && !named.equals(AUTO)) {
            return new CertificationChoice(named, "named by the policy's certification.method");
        }
        if (loaded.graph().isEmpty()) {
            return new CertificationChoice(SmoothingCertifier.METHOD,
                    "automatic: a TorchScript model has no graph for interval bounds to bound");
        }
        CertifySettings settings = loaded.certifySettings(null, null, null, null, null, null, false);
        List<CertifiedSample> probed;
        try (GradientBounds bounds = loaded.gradientBounds(GradientBounds.INTERVAL, null)) {
            probed = new Certifier(bounds, settings).certify(probes(loaded));
        }
        long informative = probed.stream().map(CertifiedSample::certificate).filter(c -> !vacuous(c)).count();
        double width = probed.stream().mapToDouble(CertifiedSample::meanWidth).average().orElse(Double.NaN);
        String measured = String.format(Locale.ROOT, "at epsilon %s interval bounds certify a top-%d feature or a gradient sign on "
                + "%d of %d probe points of the input domain (mean bound width %.4g)", settings.epsilon(), settings.k(), informative,
                probed.size(), width);
        return informative == 0
                ? new CertificationChoice(SmoothingCertifier.METHOD, "automatic: interval bounds are vacuous: " + measured)
                : new CertificationChoice(GradientBounds.INTERVAL, "automatic: " + measured);
    }

    /** Whether a certificate says nothing: its bounds are not finite, or they certify no top-k feature and no sign. */
    static boolean vacuous(Certificate c) {
        return !Double.isFinite(c.maxDeviationLinf()) || (c.topkOverlap() == 0 && c.signStable() == 0);
    }

    /** The domain's centre, then seeded uniform points of the domain ([0, 1] per feature without one). */
    static float[][] probes(LoadedModel loaded) {
        ModelPolicy policy = loaded.policy();
        int size = loaded.inputSize();
        SplittableRandom random = new SplittableRandom(PROBE_SEED);
        float[][] rows = new float[PROBES][size];
        for (int f = 0; f < size; f++) {
            double low = policy.hasDomain() ? policy.domainLower(f) : 0;
            double range = policy.range(f);
            rows[0][f] = (float) (low + range / 2);
            for (int p = 1; p < PROBES; p++) {
                rows[p][f] = (float) (low + range * random.nextDouble());
            }
        }
        return rows;
    }
}
