package dev.stabilis.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.Curvature;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.smoothing.SmoothedCertificate;
import dev.stabilis.smoothing.SmoothingCertifier;
import dev.stabilis.smoothing.SmoothingSettings;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.ingest.InferencePayload;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.contract.ContractJson;
import dev.stabilis.service.ExplanationRecords;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.DoubleStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis certify}: certified bounds on each sample's gradient explanation over the box
 * {@code [x − ε, x + ε]} clipped to the policy's domain, and the certificates they imply.
 */
@Command(name = "certify", mixinStandardHelpOptions = true,
        description = "Prove bounds on the gradient explanation of each sample over an input box and report what "
                + "they certify (top-k set, overlap, signs, deviation, cosine, prediction, radius).")
final class CertifyCommand implements Callable<Integer> {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    private ModelInputOptions source;

    @Option(names = "--method", paramLabel = "interval|linear|smoothing",
            description = "interval or linear bounds on the gradient over the box, or smoothing certificates of the smoothed "
                    + "attribution over an l2 ball of radius --epsilon (default: the policy's; where it names none or auto, interval "
                    + "unless the model is TorchScript or interval bounds are vacuous on probe points of its domain, then smoothing).")
    private String method;

    @Option(names = "--epsilon", paramLabel = "<e>", description = "Box half-width in raw feature units, or the l2 radius for "
            + "--method smoothing (default: the policy's, else 0.01; smoothing: 0.1).")
    private Double epsilon;

    @Option(names = "--k", paramLabel = "K", description = "Size of the top-k set (default: the policy's, else 5).")
    private Integer k;

    @Option(names = "--target", paramLabel = "logit|logprob", description = "Differentiated score (default: the policy's, else logit).")
    private String target;

    @Option(names = "--param-gamma", paramLabel = "G",
            description = "Also box every weight within ±G·|w| (default: the policy's, else 0).")
    private Double parameterGamma;

    @Option(names = "--split", paramLabel = "LEAVES",
            description = "Input splitting: a box whose top-k set is not certified is bisected into up to LEAVES sub-boxes, "
                    + "a power of two; 1 turns it off (default: the policy's).")
    private Integer splitLeaves;

    @Option(names = "--split-budget", paramLabel = "MS",
            description = "The time input splitting may take per sample, in milliseconds "
                    + "(default: the policy's certification.splitBudgetMs, else 20).")
    private Double splitBudgetMs;

    @Option(names = "--alpha-steps", paramLabel = "N",
            description = "With --method linear: optimise the relaxation parameters per sample in N projected-gradient steps "
                    + "(tighter, about 2N times the cost; default: the policy's certification.linear.alphaSteps, else 0).")
    private Integer alphaSteps;

    @Option(names = "--radius", description = "Also find the certified radius: the largest ε with the top-k set certified.")
    private boolean radius;

    @Option(names = "--curvature", description = "Also estimate the curvature indicator: the Hessian eigenvalue of largest "
            + "magnitude of the target score at each sample (power iteration on exact Hessian-vector products).")
    private boolean curvature;

    @Override
    public Integer call() throws IOException {
        InferencePayload payload = source.payload();
        try (LoadedModel loaded = source.loadModel()) {
            loaded.requireFeatureInput("certification");
            payload.requireFeatures(loaded.inputSize());
            CertifySettings settings = loaded.certifySettings(epsilon, k, target, parameterGamma, splitLeaves, splitBudgetMs,
                    radius);
            if (settings.k() > loaded.inputSize()) {
                throw new IllegalArgumentException("--k " + settings.k() + " exceeds the model's " + loaded.inputSize() + " features");
            }
            float[][] rows = payload.rows().toArray(float[][]::new);
            String chosen = method != null ? method : loaded.certificationChoice().method();
            if (!List.of(GradientBounds.INTERVAL, GradientBounds.LINEAR, SmoothingCertifier.METHOD).contains(chosen)) {
                throw new IllegalArgumentException("--method must be interval, linear or smoothing, got '" + chosen + "'");
            }
            if (alphaSteps != null && alphaSteps < 0) {
                throw new IllegalArgumentException("--alpha-steps must be >= 0, got " + alphaSteps);
            }
            if (chosen.equals(SmoothingCertifier.METHOD)) {
                SmoothingSettings smoothing = loaded.smoothingSettings(epsilon);
                printSmoothed(payload, loaded, smoothing, SmoothingCertifier.certify(loaded.model(), rows, null, smoothing));
                return ExitCodes.OK;
            }
            List<CertifiedSample> samples;
            double[] eigenvalues = null;
            try (GradientBounds bounds = loaded.gradientBounds(chosen, alphaSteps)) {
                samples = new Certifier(bounds, settings).certify(rows);
                if (curvature) {
                    eigenvalues = new Curvature(bounds, 30).of(rows, samples.stream().mapToInt(CertifiedSample::predicted).toArray(),
                            settings.kind());
                }
                print(payload, loaded, settings, bounds, samples, eigenvalues);
            }
        }
        return ExitCodes.OK;
    }

    private void print(InferencePayload payload, LoadedModel loaded, CertifySettings settings, GradientBounds bounds,
            List<CertifiedSample> samples, double[] eigenvalues) throws IOException {
        String name = ExplanationRecords.certificateMethod(bounds, settings.splitting().maxLeaves());
        ObjectNode root = JsonOutput.document(payload, loaded);
        root.put("method", name);
        bounds.alphaSteps().ifPresent(steps -> root.put("alphaSteps", steps));
        root.put("epsilon", settings.epsilon());
        root.put("k", settings.k());
        root.put("target", settings.kind() == TargetKind.LOGIT ? "logit" : "logprob");
        root.put("parameterGamma", settings.paramGamma());
        root.put("splitLeaves", settings.splitting().maxLeaves());
        root.put("splitBudgetMs", settings.splitting().budgetMs());
        ObjectNode summary = root.putObject("summary");
        summary.put("samples", samples.size());
        summary.put("topkCertified", samples.stream().filter(s -> s.certificate().topk()).count());
        summary.put("predictionCertified", samples.stream().filter(s -> s.certificate().prediction()).count());
        summary.put("meanMaxDeviationLinf", samples.stream().mapToDouble(s -> s.certificate().maxDeviationLinf()).average().orElse(0));
        if (settings.radius()) {
            summary.put("medianRadius", upperMedian(samples.stream().mapToDouble(s -> s.certificate().radius())));
        }
        ArrayNode results = (ArrayNode) root.get("results");
        for (int i = 0; i < samples.size(); i++) {
            CertifiedSample s = samples.get(i);
            ObjectNode r = results.addObject();
            r.put("index", i);
            r.put("predicted", s.predicted());
            JsonOutput.put(r.putArray("gradient"), s.gradient());
            JsonOutput.put(r.putArray("lower"), s.lower());
            JsonOutput.put(r.putArray("upper"), s.upper());
            r.put("leaves", s.leaves());
            r.set("certificates", ContractJson.tree(ExplanationRecords.certificate(s, bounds, settings)));
            if (eigenvalues != null) {
                r.put("curvature", eigenvalues[i]);
            }
        }
        JsonOutput.print(spec.commandLine().getOut(), root);
    }

    private void printSmoothed(InferencePayload payload, LoadedModel loaded, SmoothingSettings settings,
            List<SmoothedCertificate> samples) throws IOException {
        ObjectNode root = JsonOutput.document(payload, loaded);
        root.put("method", SmoothingCertifier.METHOD);
        root.put("epsilon", settings.epsilon());
        root.put("k", settings.k());
        root.put("target", settings.kind() == TargetKind.LOGIT ? "logit" : "logprob");
        ObjectNode summary = root.putObject("summary");
        summary.put("samples", samples.size());
        summary.put("topkCertified", samples.stream().filter(SmoothedCertificate::topkCertified).count());
        summary.put("medianCertifiedRadius", upperMedian(samples.stream().mapToDouble(SmoothedCertificate::certifiedRadius)));
        ArrayNode results = (ArrayNode) root.get("results");
        for (int i = 0; i < samples.size(); i++) {
            SmoothedCertificate s = samples.get(i);
            ObjectNode r = results.addObject();
            r.put("index", i);
            r.put("predicted", s.target());
            JsonOutput.put(r.putArray("smoothedAttribution"), s.attribution());
            r.set("certificates", ContractJson.tree(ExplanationRecords.certificate(s)));
        }
        JsonOutput.print(spec.commandLine().getOut(), root);
    }

    /** The value at index n / 2 of the sorted values (the upper median), 0 for none. */
    private static double upperMedian(DoubleStream values) {
        double[] sorted = values.sorted().toArray();
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }
}
