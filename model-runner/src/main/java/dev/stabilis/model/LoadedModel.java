package dev.stabilis.model;

import dev.stabilis.attack.AttackMethod;
import dev.stabilis.attack.AttackSettings;
import dev.stabilis.attribution.Explainer;
import dev.stabilis.attribution.GradientTimesInput;
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.attribution.SmoothGrad;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.EmbeddingLookup;
import dev.stabilis.graph.Graph;
import dev.stabilis.smoothing.NoiseKind;
import dev.stabilis.smoothing.SmoothingSettings;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model version ready to run: the differentiable model on its device, its policy, and (for ONNX models)
 * the layer graph that certification needs. For a model that takes token ids, the model and graph start at the
 * embedding lookup's output and the lookup is kept beside them.
 *
 * @param name model name
 * @param version version label
 * @param artifact the model file
 * @param policy the policy
 * @param model the runnable model
 * @param graph the layer graph, empty for TorchScript models
 * @param embedding the embedding lookup in front of the model, for a model that takes token ids
 */
public record LoadedModel(String name, String version, Path artifact, ModelPolicy policy, DifferentiableModel model,
        Optional<Graph> graph, Optional<EmbeddingLookup> embedding) implements AutoCloseable {

    /** Number of input features per sample of the differentiable model (for a token model, embedding values). */
    public int inputSize() {
        return Math.toIntExact(dev.stabilis.graph.Shapes.size(model.inputShape()));
    }

    /** Number of values per sample in a payload: token ids for a model that takes them, else {@link #inputSize()}. */
    public int payloadSize() {
        return embedding.map(EmbeddingLookup::tokens).orElse(inputSize());
    }

    /**
     * Refuses a model that takes token ids, for work that perturbs the input as features (certification, attacks):
     * ids are not continuous, and top-k sets and boxes in embedding space are not yet reported per token.
     *
     * @param work what is refused, as the message names it
     * @throws PolicyException naming the lookup, for a model that takes token ids
     */
    public void requireFeatureInput(String work) {
        embedding.ifPresent(lookup -> {
            throw new PolicyException(artifact + ": takes token ids (input '" + lookup.idInput() + "' through embedding lookup '"
                    + lookup.node() + "'); stabilis does not yet run " + work
                    + " on token models, only attributions (stabilis explain) and the runner");
        });
    }

    /** The score attributions differentiate, from the policy. */
    public TargetKind targetKind() {
        return targetKind(policy.attribution().target());
    }

    /** {@code logit} or {@code logprob} as a target kind. */
    public static TargetKind targetKind(String name) {
        return switch (name) {
            case "logit" -> TargetKind.LOGIT;
            case "logprob" -> TargetKind.LOG_PROBABILITY;
            default -> throw new IllegalArgumentException("unknown target '" + name + "' (use logit or logprob)");
        };
    }

    /**
     * Certification settings from the policy; each argument that is not null overrides the policy's value.
     *
     * @param radius whether to compute the certified radius
     */
    public CertifySettings certifySettings(Double epsilon, Integer k, String target, Double parameterGamma,
            Integer splitLeaves, Double splitBudgetMs, boolean radius) {
        ModelPolicy.Certification c = policy.certification();
        Splitting splitting = new Splitting(splitLeaves != null ? splitLeaves : c.splitting().maxLeaves(),
                splitBudgetMs != null ? splitBudgetMs : c.splitting().budgetMs());
        return new CertifySettings(epsilon != null ? epsilon : c.epsilon(), k != null ? k : c.k(),
                targetKind(target != null ? target : c.target()), parameterGamma != null ? parameterGamma : c.parameterGamma(),
                splitting, radius, policy.radiusMax(inputSize()), c.radiusSteps(), policy.domainMin(), policy.domainMax());
    }

    /**
     * How this model's explanations are certified, and why: the policy's {@code certification.method}, or where it names
     * none or {@code auto}, interval bounds unless the model has no graph or interval bounds are vacuous on probe points
     * of its input domain, then smoothing (see {@link CertificationChoice}). The automatic choice runs interval bounds on
     * a few points, so callers make it once per loaded model.
     */
    public CertificationChoice certificationChoice() {
        return CertificationChoice.of(this);
    }

    /**
     * Gradient bounds of a method on this model's graph, with the policy's {@code certification.linear} options. For a
     * model that takes token ids the graph starts at the embedding, so the bounds are over boxes in embedding space.
     *
     * @param method {@link GradientBounds#INTERVAL} or {@link GradientBounds#LINEAR}
     * @param alphaSteps the linear method's optimisation steps; null for the policy's
     */
    public GradientBounds gradientBounds(String method, Integer alphaSteps) {
        return GradientBounds.load(layerGraph(), model.device(), method,
                alphaSteps != null ? alphaSteps : policy.certification().alphaSteps());
    }

    /**
     * Smoothing certificate settings from the policy, for its certification's k and score.
     *
     * @param radius the ℓ2 radius of the claims; null for the policy's
     */
    public SmoothingSettings smoothingSettings(Double radius) {
        ModelPolicy.Certification c = policy.certification();
        ModelPolicy.Smoothing s = c.smoothing();
        return new SmoothingSettings(NoiseKind.parse(s.noise()), policy.smoothingScale(inputSize()), s.samples(), s.alpha(),
                radius != null ? radius : s.radius(), c.k(), s.clipNorm(), targetKind(c.target()), s.seed(), s.rowBudget());
    }

    /**
     * Attack settings from the policy; each argument that is not null overrides the policy's value. ε, k and
     * the score default to the certification's, so attacks search the box that certificates bound.
     */
    public AttackSettings attackSettings(String method, Double epsilon, Integer k) {
        ModelPolicy.Attack a = policy.attack();
        ModelPolicy.Certification c = policy.certification();
        double eps = epsilon != null ? epsilon : Double.isNaN(a.epsilon()) ? c.epsilon() : a.epsilon();
        int topK = k != null ? k : a.k() > 0 ? a.k() : c.k();
        return new AttackSettings(AttackMethod.parse(method != null ? method : a.method()), eps, topK, targetKind(c.target()),
                a.steps(), a.stepSize(), a.restarts(), a.seed(), (float) a.beta(), policy.domainMin(), policy.domainMax());
    }

    /**
     * The layer graph, which certification and attacks need.
     *
     * @throws PolicyException for a TorchScript model, which has none, or a model that takes token ids
     */
    public Graph requireGraph() {
        requireFeatureInput("certification and attacks");
        return layerGraph();
    }

    private Graph layerGraph() {
        return graph.orElseThrow(() -> new PolicyException(artifact
                + ": certification and attacks need an ONNX model (a layer graph); TorchScript models only get attributions"));
    }

    /**
     * The attribution method {@code method} configured by the policy.
     *
     * @param igSteps overrides the policy's Integrated Gradients steps when not null
     * @throws IllegalArgumentException for an unknown method name
     */
    public Explainer explainer(String method, Integer igSteps) {
        ModelPolicy.Attribution a = policy.attribution();
        return switch (method) {
            case "saliency" -> new Saliency();
            case "gradxinput" -> new GradientTimesInput();
            case "ig" -> integratedGradients(igSteps != null ? igSteps : a.igSteps());
            case "smoothgrad" -> new SmoothGrad(a.smoothGradSamples(), smoothGradSigma(), a.smoothGradSeed());
            default -> throw new IllegalArgumentException("unknown attribution method '" + method
                    + "' (use saliency, gradxinput, ig or smoothgrad)");
        };
    }

    private IntegratedGradients integratedGradients(int steps) {
        ModelPolicy.Attribution a = policy.attribution();
        return new IntegratedGradients(steps, toFloats(a.igBaseline()),
                new IntegratedGradients.Convergence(a.igTolerance(), a.igMaxSteps(steps)));
    }

    private float[] smoothGradSigma() {
        float[] sigma = new float[inputSize()];
        for (int i = 0; i < sigma.length; i++) {
            sigma[i] = (float) (policy.attribution().smoothGradSigma() * policy.range(i));
        }
        return sigma;
    }

    private static float[] toFloats(double[] values) {
        if (values == null) {
            return null;
        }
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
