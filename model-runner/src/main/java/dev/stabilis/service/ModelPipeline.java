package dev.stabilis.service;

import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.AttackSettings;
import dev.stabilis.attack.EmpiricalAssessor;
import dev.stabilis.attack.EmpiricalReport;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.attribution.PassSize;
import dev.stabilis.certify.Certificate;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.Curvature;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.graph.EmbeddingLookup;
import dev.stabilis.model.CertificationChoice;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelPolicy;
import dev.stabilis.smoothing.SmoothedCertificate;
import dev.stabilis.smoothing.SmoothingCertifier;
import dev.stabilis.smoothing.SmoothingSettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the runner computes for one model version, ready to run on batches: the policy's attribution
 * methods, certified bounds, the attack with its noise baseline, and curvature. Certification and attacks
 * need a layer graph; TorchScript models get attributions only.
 *
 * <p>A model that takes token ids is served through its embedding lookup ({@link EmbeddingLookup}, as
 * {@link dev.stabilis.attribution.TokenAttributor} explains): a sample's ids are embedded first, every analysis runs on
 * the embedding (the certificate's and the attack's box are taken in embedding space, clipped to the policy's domain
 * there), and each attribution method reports one value per token, the sum of its embedding row's. The certified explanation ({@link Evaluation#gradient()}) stays the embedding gradient, one value
 * per embedding coordinate, which the certificate's top-k and deviations speak about.
 */
public final class ModelPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPipeline.class);

    /** Relative float32 slack when checking attacks against float64 certificates. */
    private static final double INVARIANT_SLACK = 1e-5;

    private final LoadedModel loaded;
    private final List<Attributor> attributors = new ArrayList<>();
    private final CertifySettings certifySettings;
    private final AttackSettings attackSettings;
    private final GradientBounds bounds;
    private final Certifier certifier;
    private final SmoothingSettings smoothing;
    private final String certificateMethod;
    private final EmpiricalAssessor assessor;
    private final Curvature curvature;
    private final AnalysisBudget budget;
    private final EmbeddingLookup tokens;
    private final List<String> gradientFeatureNames;
    private final int rowsPerPass;

    /** Builds the pipeline, which then owns {@code loaded}. */
    public ModelPipeline(LoadedModel loaded, PipelineOptions options) {
        this.loaded = loaded;
        this.rowsPerPass = loaded.graph().map(g -> PassSize.rowsPerPass(g, options.passMemoryBytes()))
                .orElse(Attributor.DEFAULT_MAX_ROWS_PER_PASS);
        for (String method : loaded.policy().attribution().methods()) {
            attributors.add(new Attributor(loaded.model(), loaded.explainer(method, null), loaded.targetKind(), rowsPerPass));
        }
        boolean graph = loaded.graph().isPresent();
        String method = GradientBounds.INTERVAL;
        if (options.certify()) {
            CertificationChoice choice = loaded.certificationChoice();
            LOG.info("model {} version {}: certificates by {} ({})", loaded.name(), loaded.version(), choice.method(), choice.reason());
            method = choice.method();
        }
        boolean smoothed = method.equals(SmoothingCertifier.METHOD);
        this.certifySettings = loaded.certifySettings(null, null, null, null, null, null, options.radius());
        this.attackSettings = loaded.attackSettings(null, null, null);
        this.bounds = graph && ((options.certify() && !smoothed) || options.curvatureIterations() > 0)
                ? loaded.gradientBounds(smoothed ? GradientBounds.INTERVAL : method, null)
                : null;
        this.certifier = graph && options.certify() && !smoothed
                ? new Certifier(bounds, certifySettings, Certifier.rowsPerPass(loaded.graph().get(), options.passMemoryBytes()))
                : null;
        this.smoothing = options.certify() && smoothed ? loaded.smoothingSettings(null) : null;
        this.certificateMethod = smoothing != null ? SmoothingCertifier.METHOD
                : certifier != null ? ExplanationRecords.certificateMethod(bounds, certifySettings.splitting().maxLeaves()) : null;
        ModelPolicy.Attack attack = loaded.policy().attack();
        this.assessor = graph && options.attack()
                ? new EmpiricalAssessor(loaded.graph().get(), loaded.model(), attackSettings, attack.thicknessEndPoints(),
                        attack.thicknessNodes())
                : null;
        this.curvature = bounds != null && options.curvatureIterations() > 0 ? new Curvature(bounds, options.curvatureIterations()) : null;
        this.budget = new AnalysisBudget(loaded.policy().sampling().budgetMs(), System::nanoTime);
        this.tokens = loaded.embedding().orElse(null);
        this.gradientFeatureNames = gradientFeatureNames(loaded.policy().featureNames(), tokens);
    }

    /** The model version this pipeline runs. */
    public LoadedModel loaded() {
        return loaded;
    }

    /**
     * The names of the certified explanation's features ({@link Evaluation#gradient()}): the policy's
     * {@code features.names}, or for a model that takes token ids one per embedding coordinate, {@code <token>[j]} with
     * the token's name (its position when the policy names none).
     */
    public List<String> gradientFeatureNames() {
        return gradientFeatureNames;
    }

    /** {@link #gradientFeatureNames()}, made once per pipeline: every sample's domain check and record reads them. */
    private static List<String> gradientFeatureNames(List<String> names, EmbeddingLookup tokens) {
        if (tokens == null) {
            return names;
        }
        List<String> out = new ArrayList<>(tokens.tokens() * tokens.dimension());
        for (int t = 0; t < tokens.tokens(); t++) {
            String token = t < names.size() ? names.get(t) : "token " + t;
            for (int j = 0; j < tokens.dimension(); j++) {
                out.add(token + "[" + j + "]");
            }
        }
        return List.copyOf(out);
    }

    /**
     * The most model rows (samples × IG steps or SmoothGrad samples) one attribution pass holds: what the options' pass
     * memory affords on this model's graph ({@link PassSize}), or {@link Attributor#DEFAULT_MAX_ROWS_PER_PASS} for a model
     * without one.
     */
    public int rowsPerPass() {
        return rowsPerPass;
    }

    /** The box half-width and top-k size of certificates and attacks. */
    public CertifySettings certifySettings() {
        return certifySettings;
    }

    /** The attack's settings (its box may differ from the certificate's). */
    public AttackSettings attackSettings() {
        return attackSettings;
    }

    /**
     * The certificate's method as records name it: {@code interval} or {@code linear} (with {@code -split} when
     * boxes are split), or {@code smoothing}; null without certification.
     */
    public String certificateMethod() {
        return certificateMethod;
    }

    /** The gradient bounds behind this model's certificates (and curvature); null when neither runs on bounds. */
    GradientBounds bounds() {
        return bounds;
    }

    /**
     * Whether a sample gets the full analysis under the policy's {@code sampling.fraction}: a CRC-32 of its request
     * id and index, read as a number in [0, 1), falls below the fraction, so the choice is the same on every replay.
     */
    public boolean fullyAnalysed(String requestId, int index) {
        double fraction = loaded.policy().sampling().fraction();
        if (fraction >= 1) {
            return true;
        }
        CRC32 crc = new CRC32();
        crc.update((requestId + "#" + index).getBytes(StandardCharsets.UTF_8));
        return crc.getValue() / 4294967296.0 < fraction;
    }

    /**
     * Why a payload row cannot be evaluated at all, or null: a token model's ids that do not embed (their count, an id
     * outside the vocabulary), a model input outside the policy's domain (a token model's: its embedding).
     */
    public SampleException invalid(float[] row) {
        String model = loaded.name() + "/" + loaded.version();
        if (row.length != loaded.payloadSize()) {
            return new SampleException("SHAPE_MISMATCH", "sample has " + row.length + (tokens == null ? " features" : " token ids")
                    + ", model " + model + " expects " + loaded.payloadSize());
        }
        float[] input = row;
        if (tokens != null) {
            try {
                input = tokens.embed(row);
            } catch (IllegalArgumentException e) {
                return new SampleException("OUT_OF_DOMAIN", e.getMessage() + " of model " + loaded.name() + " version " + loaded.version());
            }
        }
        String outside = loaded.policy().outsideDomain(input, gradientFeatureNames());
        return outside == null ? null : new SampleException("OUT_OF_DOMAIN", (tokens == null ? "" : "embedding ") + outside
                + " of model " + loaded.name() + " version " + loaded.version());
    }

    /**
     * Evaluates every payload row (a token model's ids, else the model's input) with every analysis the options and the
     * policy name.
     */
    public List<Evaluation> evaluate(float[][] rows) {
        return evaluate(rows, true);
    }

    /** Attributions only, for the samples the policy's sampling leaves out of the full analysis. */
    public List<Evaluation> attribute(float[][] rows) {
        return evaluate(rows, false);
    }

    private List<Evaluation> evaluate(float[][] payload, boolean full) {
        float[][] rows = tokens == null ? payload : tokens.embedAll(payload);
        AnalysisBudget.Batch batch = budget.start(rows.length);
        Map<String, List<Explanation>> explained = new LinkedHashMap<>();
        for (Attributor attributor : attributors) {
            explained.put(attributor.method(), attributor.explain(rows, null));
        }
        List<Explanation> first = explained.values().iterator().next();
        int[] predicted = first.stream().mapToInt(Explanation::predicted).toArray();
        List<String> overBudget = new ArrayList<>();
        List<CertifiedSample> certified = !full || certifier == null ? null
                : batch.runIfAffordable("certificate", () -> certifier.certify(rows), overBudget);
        List<SmoothedCertificate> smoothed = !full || smoothing == null ? null
                : batch.runIfAffordable("certificate", () -> SmoothingCertifier.certify(loaded.model(), rows, predicted, smoothing), overBudget);
        List<EmpiricalReport> empirical = !full || assessor == null ? null
                : batch.runIfAffordable("attack", () -> assessor.assess(rows), overBudget);
        double[] curvatures = !full || curvature == null ? null
                : batch.runIfAffordable("curvature", () -> curvature.of(rows, predicted, certifySettings.kind()), overBudget);
        List<Evaluation> out = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            Map<String, float[]> attributions = new LinkedHashMap<>();
            double gap = Double.NaN;
            for (Map.Entry<String, List<Explanation>> e : explained.entrySet()) {
                Explanation x = e.getValue().get(i);
                attributions.put(e.getKey(), tokens == null ? x.attribution() : tokens.perToken(x.attribution()));
                if (e.getKey().equals("ig")) {
                    gap = x.relativeCompletenessGap();
                }
            }
            CertifiedSample c = certified == null ? null : certified.get(i);
            EmpiricalReport r = empirical == null ? null : empirical.get(i);
            SmoothedCertificate sc = smoothed == null ? null : smoothed.get(i);
            double[] gradient = c != null ? c.gradient() : sc != null ? sc.attribution() : r != null ? r.attack().attribution()
                    : saliency(explained, i);
            out.add(new Evaluation(predicted[i], gradient, attributions, gap, c, sc, r,
                    curvatures == null ? Double.NaN : curvatures[i], violation(c, r), overBudget));
        }
        return out;
    }

    /** Row {@code row}'s saliency attribution (the gradient of the model's input) when the policy computes it, else null. */
    private static double[] saliency(Map<String, List<Explanation>> explained, int row) {
        List<Explanation> explanations = explained.get("saliency");
        if (explanations == null) {
            return null;
        }
        float[] saliency = explanations.get(row).attribution();
        double[] out = new double[saliency.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = saliency[i];
        }
        return out;
    }

    /**
     * ALGORITHMS.md §3.3's invariant: an attack may never beat the certificate. A violation means a bug in the
     * bounds or the attack; it is reported on the explanation (and alerted on), never hidden.
     */
    static String violation(CertifiedSample c, EmpiricalReport r) {
        if (c == null || r == null) {
            return null;
        }
        Certificate cert = c.certificate();
        double slack = INVARIANT_SLACK * Arrays.stream(c.gradient()).map(Math::abs).max().orElse(0) + 1e-12;
        for (AttackResult a : List.of(r.attack(), r.noise())) {
            if (cert.topk() && a.metrics().topkIntersection() < 1) {
                return a.method().label() + " attack changed a certified top-k set (intersection " + a.metrics().topkIntersection() + ")";
            }
            if (a.largestChangeLinf() > cert.maxDeviationLinf() + slack) {
                return a.method().label() + " attack changed the gradient by " + a.largestChangeLinf()
                        + " (L∞), more than the certified " + cert.maxDeviationLinf();
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (assessor != null) {
            assessor.close();
        }
        if (bounds != null) {
            bounds.close();
        }
        loaded.close();
    }
}
