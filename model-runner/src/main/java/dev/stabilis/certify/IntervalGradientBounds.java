package dev.stabilis.certify;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.IntraOpThreads;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.ScopedStep;
import dev.stabilis.engine.Tensors;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The interval method of {@link GradientBounds}: interval bound propagation through the forward and backward pass
 * of a dataflow graph (Wicker et al. 2022,
 * generalised in ALGORITHMS.md §6): for a box of inputs it bounds every coordinate of the input gradient of a target
 * score, batched on DJL {@code NDArray}s in float64 (the radius products of wide dense layers on the CPU in float32,
 * rounded up: {@link AffineRule}).
 *
 * <p>Forward, each node maps boxes of its inputs to a box of its output ({@link IntervalRule}); the backward pass
 * starts from the seed of the target (e_c for a logit; e_c − p for a log-probability, with p bounded by the softmax
 * of the logit box), applies each node's backward rule in reverse order and adds the boxes a value receives from its
 * consumers. Every step rounds outward ({@link Interval}), so the bounds hold for the exact real-arithmetic gradient
 * of every input in the box, and, with a parameter box, of every network whose dense, convolution and elementwise
 * constants θ lie in {@code θ ± γ|θ|}.
 */
public final class IntervalGradientBounds implements GradientBounds {

    private final GraphModel model;
    private final IntervalRule[] rules;
    private final Scalars k;
    /** The same method on the host for the calls it takes, when the graph is a dense ReLU network; else null. */
    private final HostIntervalPass host;

    private IntervalGradientBounds(GraphModel model) {
        this(model, IntervalRules.of(model), true);
    }

    /** Bounds with the given rule per node (a test swaps one to show the suite catches a wrong rule). */
    IntervalGradientBounds(GraphModel model, IntervalRule[] rules) {
        this(model, rules, false);
    }

    /** @param graphRules whether the rules are the graph's own ({@link IntervalRules#of}): only those get a host pass */
    private IntervalGradientBounds(GraphModel model, IntervalRule[] rules, boolean graphRules) {
        if (model.dataType() != DataType.FLOAT64) {
            throw new IllegalArgumentException("interval bounds need a float64 model, got " + model.dataType());
        }
        this.model = model;
        this.rules = rules.clone();
        this.k = model.scalars();
        // the host computes from the CPU's memory: a model placed on an accelerator keeps every bound pass there
        this.host = graphRules && model.computesWithGraphConstants() && Device.Type.CPU.equals(model.device().getDeviceType())
                ? HostIntervalPass.on(model.graph()).orElse(null) : null;
    }

    /**
     * The interval method on the host ({@link HostIntervalPass}) when the model is on the CPU and its graph a dense
     * ReLU network on its own constants and rules, else empty.
     */
    Optional<HostIntervalPass> hostPass() {
        return Optional.ofNullable(host);
    }

    /** Prepares bound propagation for a graph on a device. */
    public static IntervalGradientBounds load(Graph graph, Device device) {
        GraphModel model = GraphModel.load(graph, device, DataType.FLOAT64);
        try {
            return new IntervalGradientBounds(model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Bound propagation on a given float64 model; with a model on trainable arrays ({@link GraphModel#withDenseArrays})
     * the bounds are differentiable with respect to them. The bounds own the model.
     */
    public static IntervalGradientBounds of(GraphModel model) {
        return new IntervalGradientBounds(model);
    }

    @Override
    public String method() {
        return INTERVAL;
    }

    @Override
    public Graph graph() {
        return model.graph();
    }

    @Override
    public GraphModel model() {
        return model;
    }

    /**
     * {@inheritDoc} Logit targets of a call the host pass takes ({@link HostIntervalPass#threadsFor}; a model on the
     * CPU) are computed there, over the host threads; they equal the tensor pass's bounds to the rounding of another
     * summation order, and both are sound.
     */
    @Override
    public IntervalBounds bounds(NDArray lower, NDArray upper, NDArray classes, TargetKind kind, double gamma) {
        int rows = Math.toIntExact(lower.getShape().get(0));
        int hostThreads = host == null || kind != TargetKind.LOGIT ? 0 : host.threadsFor(rows);
        return hostThreads == 0 ? tensorBounds(lower, upper, classes, kind, gamma)
                : onHost(lower, upper, classes, rows, hostThreads, gamma);
    }

    /** {@link #bounds} as tensor ops, whatever the call. */
    IntervalBounds tensorBounds(NDArray lower, NDArray upper, NDArray classes, TargetKind kind, double gamma) {
        return pass(lower.getShape().get(0), () -> boundsOf(forward(lower, upper, gamma), classes, kind, gamma));
    }

    private IntervalBounds onHost(NDArray lower, NDArray upper, NDArray classes, int rows, int threads, double gamma) {
        int[] targets = Arrays.stream(classes.toType(DataType.INT64, false).toLongArray()).mapToInt(Math::toIntExact).toArray();
        HostIntervalPass.Bounds b = host.bounds(lower.toType(DataType.FLOAT64, false).toDoubleArray(),
                upper.toType(DataType.FLOAT64, false).toDoubleArray(), targets, rows, gamma, threads);
        NDManager manager = lower.getManager();
        Shape logits = new Shape(rows, b.logitLower().length / rows);
        return new IntervalBounds(manager.create(b.gradientLower(), lower.getShape()), manager.create(b.gradientUpper(), lower.getShape()),
                manager.create(b.logitLower(), logits), manager.create(b.logitUpper(), logits));
    }

    /**
     * The bounds given the forward boxes of every value that {@link #forward} made (untightened); everything else
     * it makes is freed when it returns ({@link NodeScope}).
     */
    IntervalBounds bounds(Interval[] boxes, NDArray classes, TargetKind kind, double gamma) {
        return pass(boxes[0].c().getShape().get(0), () -> boundsOf(boxes, classes, kind, gamma));
    }

    /** A bound pass over {@code rows} rows, with the pass's threads and scopes; only the bounds outlive it. */
    private IntervalBounds pass(long rows, Supplier<IntervalBounds> bounds) {
        try (IntraOpThreads threads = model.threadsFor(rows)) {
            return NodeScope.keepBounds(model.steps(rows), bounds);
        }
    }

    private IntervalBounds boundsOf(Interval[] boxes, NDArray classes, TargetKind kind, double gamma) {
        Interval[] adjoints = backward(boxes, classes, kind, gamma);
        Interval gradient = adjoints[0] == null ? Interval.point(boxes[0].c().zerosLike()) : adjoints[0];
        Interval logits = boxes[model.outputValue()];
        NDArray[] g = gradient.ends(k);
        NDArray[] y = logits.ends(k);
        return new IntervalBounds(g[0], g[1], y[0], y[1]);
    }

    /**
     * Whether a bound pass on {@code device} reads the input box's magnitude back to the host, so that dense and ReLU
     * nodes skip their non-finite cleanup: on the CPU, where the read is a memory load and saves about 100 native calls
     * per pass (BENCHMARKS.md, issue 18); not on an accelerator, where it would synchronise the batch's stream. Only
     * with the graph's own constants, whose norms are computed at load ({@link GraphModel#computesWithGraphConstants}).
     */
    boolean readsInputMagnitude(Device device) {
        return model.computesWithGraphConstants() && Device.Type.CPU.equals(device.getDeviceType());
    }

    /** The forward box of every value over the input boxes {@code [lower, upper]}. */
    Interval[] forward(NDArray lower, NDArray upper, double gamma) {
        long batch = lower.getShape().get(0);
        int nodes = model.size();
        Interval[] boxes = new Interval[nodes + 1];
        NDArray lo = lower.toType(DataType.FLOAT64, false);
        NDArray hi = upper.toType(DataType.FLOAT64, false);
        // the input's magnitude, read back once, lets dense and ReLU nodes prove their boxes finite (Interval#bound)
        boxes[0] = readsInputMagnitude(lo.getDevice()) ? Interval.ofInputEnds(lo, hi, k) : Interval.ofEnds(lo, hi, k);
        ScopedStep steps = model.steps(batch);
        for (int i = 0; i < nodes; i++) {
            IntervalRule rule = rules[i];
            Interval[] in = inputs(boxes, i);
            boxes[i + 1] = NodeScope.keep(steps, () -> new Interval[] {rule.forward(in, batch, gamma)}, in)[0];
            if (model.inputsOf(i).length == 0) { // a constant, computed from the model's arrays: it belongs to the batch
                Tensors.owned(boxes[i + 1].c(), boxes[0].c());
                Tensors.owned(boxes[i + 1].r(), boxes[0].c());
            }
        }
        return boxes;
    }

    /** The box of every value's adjoint, given forward boxes (which a caller may have tightened). */
    Interval[] backward(Interval[] boxes, NDArray classes, TargetKind kind, double gamma) {
        int nodes = model.size();
        Interval logits = boxes[model.outputValue()];
        NDArray oneHot = classes.oneHot((int) logits.c().getShape().get(1), DataType.FLOAT64);
        Interval[] adjoint = new Interval[nodes + 1];
        ScopedStep steps = model.steps(logits.c().getShape().get(0));
        adjoint[model.outputValue()] = kind == TargetKind.LOGIT
                ? Interval.point(oneHot, 1)
                : SoftmaxRule.logProbabilitySeed(logits, oneHot, k);
        for (int i = nodes - 1; i >= 0; i--) {
            if (adjoint[i + 1] == null) {
                continue;
            }
            int[] ids = model.inputsOf(i);
            IntervalRule rule = rules[i];
            Interval[] in = inputs(boxes, i);
            Interval out = boxes[i + 1];
            Interval seed = adjoint[i + 1];
            NodeScope.keep(steps, () -> {
                Interval[] contributions = rule.backward(seed, in, out, gamma);
                Interval[] sums = new Interval[ids.length];
                for (int j = 0; j < ids.length; j++) { // in order: a node may read one value twice (x · x)
                    adjoint[ids[j]] = adjoint[ids[j]] == null ? contributions[j] : adjoint[ids[j]].plus(contributions[j], k);
                    sums[j] = adjoint[ids[j]];
                }
                return sums;
            }, received(in, out, seed));
        }
        return adjoint;
    }

    /** The interval rule of node {@code i}. */
    IntervalRule rule(int i) {
        return rules[i];
    }

    /** The boxes a backward step reads: its inputs' and output's forward boxes and its output's adjoint. */
    private static Interval[] received(Interval[] in, Interval out, Interval adjoint) {
        Interval[] all = java.util.Arrays.copyOf(in, in.length + 2);
        all[in.length] = out;
        all[in.length + 1] = adjoint;
        return all;
    }

    private Interval[] inputs(Interval[] boxes, int node) {
        int[] ids = model.inputsOf(node);
        Interval[] in = new Interval[ids.length];
        for (int j = 0; j < ids.length; j++) {
            in[j] = boxes[ids[j]];
        }
        return in;
    }

    @Override
    public void close() {
        model.close();
    }
}
