package dev.stabilis.model;

import dev.stabilis.attribution.Explainer;
import dev.stabilis.attribution.GradientTimesInput;
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.attribution.SmoothGrad;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.LayerGraph;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model version ready to run: the differentiable model on its device, its policy, and (for ONNX models)
 * the layer graph that certification needs.
 *
 * @param name model name
 * @param version version label
 * @param artifact the model file
 * @param policy the policy
 * @param model the runnable model
 * @param graph the layer graph, empty for TorchScript models
 */
public record LoadedModel(String name, String version, Path artifact, ModelPolicy policy, DifferentiableModel model,
        Optional<LayerGraph> graph) implements AutoCloseable {

    /** Number of input features per sample. */
    public int inputSize() {
        return Math.toIntExact(dev.stabilis.graph.Shapes.size(model.inputShape()));
    }

    /** The score attributions differentiate, from the policy. */
    public TargetKind targetKind() {
        return policy.attribution().target().equals("logprob") ? TargetKind.LOG_PROBABILITY : TargetKind.LOGIT;
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
            case "ig" -> new IntegratedGradients(igSteps != null ? igSteps : a.igSteps(), toFloats(a.igBaseline()));
            case "smoothgrad" -> new SmoothGrad(a.smoothGradSamples(), smoothGradSigma(), a.smoothGradSeed());
            default -> throw new IllegalArgumentException("unknown attribution method '" + method
                    + "' (use saliency, gradxinput, ig or smoothgrad)");
        };
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
