package dev.stabilis.certify;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Sound bounds on the input gradient of a target score over boxes of inputs: the seam between the certificates,
 * the runner, hardening and the command line on one side, and the methods that bound on the other (interval
 * propagation, linear relaxation). Every method computes in float64 on the graph's model and rounds outward, so
 * the bounds hold for the exact gradient of every input in the box.
 */
public interface GradientBounds extends AutoCloseable {

    /** The interval method. */
    String INTERVAL = "interval";
    /** The linear-relaxation method (with interval bounds as fallback where it does not apply). */
    String LINEAR = "linear";

    /** Prepares the interval method for a graph on a device. */
    static GradientBounds load(Graph graph, Device device) {
        return IntervalGradientBounds.load(graph, device);
    }

    /**
     * Prepares a method for a graph on a device.
     *
     * @param method {@link #INTERVAL} or {@link #LINEAR}
     * @throws IllegalArgumentException for another name
     */
    static GradientBounds load(Graph graph, Device device, String method) {
        return load(graph, device, method, 0);
    }

    /**
     * Prepares a method for a graph on a device.
     *
     * @param method {@link #INTERVAL} or {@link #LINEAR}
     * @param alphaSteps for {@link #LINEAR}: projected-gradient steps that optimise the relaxation parameters per
     *     sample (α-CROWN-style; 0: the fixed default relaxations)
     * @throws IllegalArgumentException for another name or negative steps
     */
    static GradientBounds load(Graph graph, Device device, String method, int alphaSteps) {
        return switch (method) {
            case INTERVAL -> IntervalGradientBounds.load(graph, device);
            case LINEAR -> LinearGradientBounds.load(graph, device, alphaSteps);
            default -> throw new IllegalArgumentException("unknown bound method '" + method + "' (use interval or linear)");
        };
    }

    /** The method that computes the bounds, as explanation records name it. */
    String method();

    /**
     * The projected-gradient steps that optimised the linear relaxations per sample ({@code certification.linear.alphaSteps},
     * 0 for the fixed default relaxations), where linear relaxations compute the bounds; empty for interval bounds.
     */
    default OptionalInt alphaSteps() {
        return OptionalInt.empty();
    }

    /** Why the method falls back to intervals for this graph, where it does. */
    default Optional<String> fallback() {
        return Optional.empty();
    }

    /** The graph whose gradient is bounded. */
    Graph graph();

    /** The float64 model of the graph: point gradients and logits for reference. */
    GraphModel model();

    /**
     * Bounds the gradient of each row's target score over the boxes {@code [lower, upper]}.
     *
     * @param lower {@code [N, inputShape...]} lower corners
     * @param upper upper corners
     * @param classes {@code [N]} int64 target classes (fixed, not re-predicted inside the box)
     * @param kind logit or log-probability
     * @param gamma relative parameter radius γ ≥ 0 (0: parameters exact)
     */
    IntervalBounds bounds(NDArray lower, NDArray upper, NDArray classes, TargetKind kind, double gamma);

    @Override
    void close();
}
