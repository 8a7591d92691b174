package dev.stabilis.service;

import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.EmpiricalAssessor;
import dev.stabilis.attack.EmpiricalReport;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.certify.Certificate;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.Curvature;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the runner computes for one model version, ready to run on batches: the policy's attribution
 * methods, certified bounds, the attack with its noise baseline, and curvature. Certification and attacks
 * need a layer graph; TorchScript models get attributions only.
 */
public final class ModelPipeline implements AutoCloseable {

    /** Relative float32 slack when checking attacks against float64 certificates. */
    private static final double INVARIANT_SLACK = 1e-5;

    private final LoadedModel loaded;
    private final List<Attributor> attributors = new ArrayList<>();
    private final CertifySettings certifySettings;
    private final GradientBounds bounds;
    private final Certifier certifier;
    private final EmpiricalAssessor assessor;
    private final Curvature curvature;

    public ModelPipeline(LoadedModel loaded, PipelineOptions options) {
        this.loaded = loaded;
        for (String method : loaded.policy().attribution().methods()) {
            attributors.add(new Attributor(loaded.model(), loaded.explainer(method, null), loaded.targetKind(),
                    Attributor.DEFAULT_MAX_ROWS_PER_PASS));
        }
        boolean graph = loaded.graph().isPresent();
        this.certifySettings = loaded.certifySettings(null, null, null, null, null, options.radius());
        this.bounds = graph && (options.certify() || options.curvatureIterations() > 0)
                ? GradientBounds.load(loaded.requireGraph(), loaded.model().device(), loaded.policy().certification().method())
                : null;
        this.certifier = graph && options.certify() ? new Certifier(bounds, certifySettings) : null;
        ModelPolicy.Attack attack = loaded.policy().attack();
        this.assessor = graph && options.attack()
                ? new EmpiricalAssessor(loaded.requireGraph(), loaded.model(), loaded.attackSettings(null, null, null),
                        attack.thicknessEndPoints(), attack.thicknessNodes())
                : null;
        this.curvature = bounds != null && options.curvatureIterations() > 0 ? new Curvature(bounds, options.curvatureIterations()) : null;
    }

    /** The model version this pipeline runs. */
    public LoadedModel loaded() {
        return loaded;
    }

    /** The box half-width and top-k size of certificates and attacks. */
    public CertifySettings certifySettings() {
        return certifySettings;
    }

    /** Evaluates every row (each of the model's input size). */
    public List<Evaluation> evaluate(float[][] rows) {
        Map<String, List<Explanation>> explained = new LinkedHashMap<>();
        for (Attributor attributor : attributors) {
            explained.put(attributor.method(), attributor.explain(rows, null));
        }
        List<CertifiedSample> certified = certifier == null ? null : certifier.certify(rows);
        List<EmpiricalReport> empirical = assessor == null ? null : assessor.assess(rows);
        List<Explanation> first = explained.values().iterator().next();
        int[] predicted = first.stream().mapToInt(Explanation::predicted).toArray();
        double[] curvatures = curvature == null ? null : curvature.of(rows, predicted, certifySettings.kind());
        List<Evaluation> out = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            Map<String, float[]> attributions = new LinkedHashMap<>();
            double gap = Double.NaN;
            for (Map.Entry<String, List<Explanation>> e : explained.entrySet()) {
                Explanation x = e.getValue().get(i);
                attributions.put(e.getKey(), x.attribution());
                if (e.getKey().equals("ig")) {
                    gap = x.relativeCompletenessGap();
                }
            }
            CertifiedSample c = certified == null ? null : certified.get(i);
            EmpiricalReport r = empirical == null ? null : empirical.get(i);
            double[] gradient = c != null ? c.gradient() : r != null ? r.attack().attribution() : null;
            out.add(new Evaluation(predicted[i], gradient, attributions, gap, c, r,
                    curvatures == null ? Double.NaN : curvatures[i], violation(c, r)));
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
