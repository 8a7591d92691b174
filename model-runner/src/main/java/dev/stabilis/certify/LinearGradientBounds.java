package dev.stabilis.certify;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.LinearMap;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.engine.Tensors;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Constant;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The linear-relaxation method of {@link GradientBounds} (CROWN applied to the gradient computation, after Shi,
 * Wang, Zhang, Kolter and Hsieh, NeurIPS 2022): each gradient coordinate is bounded below and above by a linear
 * function of the input, propagated backward through the whole computation of the gradient and then minimised over
 * the box.
 *
 * <p>For a chain of affine maps L and activations σ the gradient is computed backward as {@code δ_i = Lᵀ δ_{i+1}}
 * and {@code δ_i = σ′(x_i) ⊙ δ_{i+1}}. Starting from the coordinate's coefficient on δ₀ = g, the coefficients move
 * up this chain: through an affine map exactly; through a product {@code d ⊙ δ} of the derivative d = σ′(x_i) and the
 * adjoint δ by McCormick's planes over their boxes (the average of the two planes on each side), which leaves a term
 * linear in δ (carried on up the chain) and one linear in d. The term in d is bounded by a linear relaxation of σ′
 * ({@link LinearRelaxation}) in x_i, and that is propagated down the forward pass to the input (CROWN through the
 * forward network, σ relaxed the same way). The seed e_c of a logit target adds a constant at the top.
 *
 * <p>The boxes the relaxations need are the interval method's, with every activation's input box tightened first
 * by the same forward propagation (except where intervals give it exactly: {@link #exactInputBoxes}), and the adjoint
 * boxes recomputed from the tightened ones. With {@code alphaSteps}
 * above 0 each activation output's adjoint box is also tightened by linear bounds up the backward chain: on the digits
 * MLPs that made the softplus bounds 0.4–4 % narrower at twice the cost and the ReLU and tanh bounds no narrower
 * (their σ′ have constant relaxations, so nothing ties one neuron's derivative to another's), so plain
 * {@code linear} leaves it out (BENCHMARKS.md). Each coordinate's final bounds are intersected with the interval
 * bounds (both are sound, so the intersection is). On chains of ReLU and LeakyReLU the coefficients up the backward
 * chain are not made but deferred ({@link DeferredChain}, {@link #deferredLowerBound}): every sum they enter moves
 * down the chain instead, and they are made only at the elements whose box reaches 0.
 *
 * <p>Rounding is accounted for, not estimated. A bound is a real identity evaluated in float64: each step replaces
 * {@code Σ λ·v} by {@code Σ λ′·u + c} where λ′ and c are computed, so the computed bound is off from a sound one by
 * the rounding of λ′ (times the size of u, which the boxes bound) and of c. Each step therefore adds to the bound's
 * {@link Bound#magnitude} a sum {@code Σ |λ|·V} whose V bounds, per element, every product the step rounds: for an
 * affine map {@code |L|ᵀ} of the adjoint box's extent (or {@code |L|} of the value box's, and {@code |b|}), for a
 * relaxation the sizes of its planes and lines times the extents of the boxes they multiply. The concretised bound
 * is lowered by {@link #relative} times that magnitude: an n-term float64 sum errs by at most {@code γ_n ≈ n·2⁻⁵³} of
 * the sum of its terms' absolute values in any order of summation, so the margin holds however libtorch orders its
 * sums, even when they cancel. Underflow is neglected, as everywhere in {@link Interval}.
 *
 * <p>The method applies to chains of single-input affine maps and activations with a logit target and exact
 * parameters; for any other graph or setting it returns the interval bounds, and {@link #fallback} says why. It also
 * returns the interval bounds, as its own, where the two are equal in real arithmetic ({@link #reducesToIntervals}):
 * chains with one activation, such as the digits CNN, where the linear pass cost ten interval passes for the same
 * bounds.
 */
final class LinearGradientBounds implements GradientBounds {

    /** Coefficient values (rows × specifications × widest value) per pass, bounding memory. */
    private static final long COEFFICIENTS_PER_PASS = 1L << 24;

    private final IntervalGradientBounds intervals;
    private final GraphModel model;
    private final Scalars k;
    private final String unsupported;
    /** Per node: an activation whose input box intervals give exactly ({@link #exactInputBoxes}); null off chains. */
    private final boolean[] exactInputBoxes;
    /** The activation node whose box only its sign is taken from ({@link #signOnly(GraphModel)}), or −1. */
    private final int signOnly;
    private final boolean reducesToIntervals;
    private final long[][] sampleShapes;
    private final long widest;
    private final double relative;
    private final java.util.function.UnaryOperator<LinearRelaxation> relaxations;
    private final int alphaSteps;
    private final java.util.function.UnaryOperator<NDArray> projection;

    /**
     * The method with every relaxation passed through {@code relaxations} and the optimised relaxation parameters
     * through {@code projection} (tests break either to show it is caught).
     *
     * @param alphaSteps projected-gradient steps on the relaxation parameters (0: the fixed default relaxations)
     */
    LinearGradientBounds(IntervalGradientBounds intervals, java.util.function.UnaryOperator<LinearRelaxation> relaxations,
            int alphaSteps, java.util.function.UnaryOperator<NDArray> projection) {
        if (alphaSteps < 0) {
            throw new IllegalArgumentException("alpha steps must be >= 0, got " + alphaSteps);
        }
        this.relaxations = relaxations;
        this.alphaSteps = alphaSteps;
        this.projection = projection;
        this.intervals = intervals;
        this.model = intervals.model();
        this.k = model.scalars();
        Graph graph = model.graph();
        this.unsupported = chainProblem(graph);
        this.exactInputBoxes = unsupported == null ? exactInputBoxes(model) : null;
        this.reducesToIntervals = unsupported == null && reducesToIntervals(model, exactInputBoxes);
        this.signOnly = unsupported == null ? signOnly(model) : -1;
        this.sampleShapes = new long[graph.nodes().size() + 1][];
        sampleShapes[0] = graph.inputSampleShape();
        long w = Shapes.size(sampleShapes[0]);
        for (int i = 0; i < graph.nodes().size(); i++) {
            long[] shape = graph.shape(graph.nodes().get(i).output());
            sampleShapes[i + 1] = unsupported == null ? Shapes.withoutBatch(shape) : null;
            if (unsupported == null) {
                w = Math.max(w, Shapes.size(sampleShapes[i + 1]));
            }
        }
        this.widest = w;
        this.relative = unsupported == null ? roundingRelative(model, w) : 0;
    }

    /**
     * The margin relative to a bound's {@link Bound#magnitude}: {@code (n + 16)·2⁻⁵²}, with n the longest sum made
     * (an affine map's terms either way, or a sum over the widest value). Twice γ_n and more: the elementwise products
     * of a relaxation step round at most a few times each (their magnitudes carry factors of 2 for that), and the
     * magnitude, itself computed in float64, may fall short of the exact one by a relative γ.
     */
    private static double roundingRelative(GraphModel model, long widest) {
        long longest = widest;
        for (int i = 0; i < model.size(); i++) {
            if (!(model.graph().nodes().get(i).op() instanceof Activation)) {
                longest = Math.max(longest, Math.max(model.linearMap(i).terms(), model.linearMap(i).adjointTerms()));
            }
        }
        return (longest + 16) * Interval.ULP;
    }

    /** The method with the default relaxations, or with their parameters optimised in {@code alphaSteps} steps. */
    static LinearGradientBounds load(Graph graph, Device device, int alphaSteps) {
        return new LinearGradientBounds(IntervalGradientBounds.load(graph, device), java.util.function.UnaryOperator.identity(),
                alphaSteps, RelaxationParameters.FEASIBLE);
    }

    /** Why the graph is not a chain this method handles, or null. */
    private static String chainProblem(Graph graph) {
        String previous = graph.inputName();
        for (Node node : graph.nodes()) {
            boolean supported = node.op() instanceof Activation
                    || (node.op().isAffine() && node.op().arity() == 1 && !(node.op() instanceof Constant));
            if (!supported || !node.inputs().equals(List.of(previous))) {
                return "node '" + node.name() + "' (" + node.op().getClass().getSimpleName() + ")"
                        + (supported ? " does not continue a chain" : " has no linear relaxation of its gradient")
                        + "; interval bounds are used";
            }
            long[] shape = graph.shape(node.output());
            if (shape[0] != Shapes.BATCH || Arrays.stream(shape).skip(1).anyMatch(Shapes::carriesBatch)) {
                return "node '" + node.name() + "' moves the batch axis; interval bounds are used";
            }
            previous = node.output();
        }
        return null;
    }

    /**
     * Per node of a chain, whether it is an activation whose input box intervals give exactly: no activation before it,
     * and at most one affine map that mixes values (is not {@link LinearMap#isElementwise}), since
     * {@code |L M| = |L| |M|} when L or M is elementwise. The same holds for the gradient's box taken back through
     * those maps to the input.
     */
    private static boolean[] exactInputBoxes(GraphModel model) {
        boolean[] exact = new boolean[model.size()];
        boolean activationBefore = false;
        int mixing = 0;
        for (int i = 0; i < model.size(); i++) {
            if (model.graph().nodes().get(i).op() instanceof Activation) {
                exact[i] = !activationBefore && mixing <= 1;
                activationBefore = true;
            } else if (!model.linearMap(i).isElementwise()) {
                mixing++;
            }
        }
        return exact;
    }

    /**
     * The chain's last activation if it is linear on each side of 0 (ReLU, LeakyReLU), else −1. Of its box only the
     * sign is used: σ′'s range ({@link #piecewiseDerivativeRange}, and the interval rule's, which the adjoint boxes
     * take) depends on nothing else, and no forward sweep passes it to be relaxed (every sweep starts below a later
     * activation). Its extent enters rounding margins only, for which any box holding the values serves.
     */
    private static int signOnly(GraphModel model) {
        for (int i = model.size() - 1; i >= 0; i--) {
            if (model.graph().nodes().get(i).op() instanceof Activation op) {
                return LinearRelaxation.isLinearOnEachSideOfZero(op) ? i : -1;
            }
        }
        return -1;
    }

    /**
     * Whether the chain's linear bounds equal its interval bounds in real arithmetic: it has at most one activation,
     * whose σ′ is relaxed by constants ({@link LinearRelaxation#derivativeIsConstant}) and whose input box intervals
     * give exactly. Then the adjoint entering its product is a point (e_c mapped back through affine maps), so
     * McCormick's planes are exact and σ′ enters through its interval range, and the maps before it take the
     * product's box back to the input exactly. Optimised relaxation parameters change none of these, so α gains
     * nothing either.
     */
    private static boolean reducesToIntervals(GraphModel model, boolean[] exactInputBoxes) {
        int activations = 0;
        for (int i = 0; i < model.size(); i++) {
            if (model.graph().nodes().get(i).op() instanceof Activation op
                    && (++activations > 1 || !LinearRelaxation.derivativeIsConstant(op) || !exactInputBoxes[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String method() {
        return unsupported == null ? LINEAR : INTERVAL;
    }

    @Override
    public OptionalInt alphaSteps() {
        return unsupported == null ? OptionalInt.of(alphaSteps) : OptionalInt.empty();
    }

    @Override
    public Optional<String> fallback() {
        return Optional.ofNullable(unsupported);
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
     * Linear bounds for a logit target with exact parameters; interval bounds otherwise (a log-probability's seed
     * {@code e_c − softmax(z)} and a parameter box are not relaxed linearly) and where they are the same.
     */
    @Override
    public IntervalBounds bounds(NDArray lower, NDArray upper, NDArray classes, TargetKind kind, double gamma) {
        if (unsupported != null || reducesToIntervals || kind != TargetKind.LOGIT || gamma != 0) {
            return intervals.bounds(lower, upper, classes, kind, gamma);
        }
        Interval[] boxes = intervals.forward(lower, upper, 0); // the interval bounds' forward boxes, which one pass reuses
        IntervalBounds interval = intervals.bounds(boxes, classes, kind, 0);
        long n = lower.getShape().get(0);
        long features = Shapes.size(sampleShapes[0]);
        long rowsPerPass = Math.max(1, COEFFICIENTS_PER_PASS / (2 * Math.max(features, widest) * widest));
        NDList lows = new NDList();
        NDList highs = new NDList();
        for (long start = 0; start < n; start += rowsPerPass) {
            long end = Math.min(n, start + rowsPerPass);
            NDArray[] b = linear(start == 0 && end == n ? boxes.clone() : intervals.forward(slice(lower, start, end), slice(upper, start, end), 0),
                    slice(classes, start, end), lower.getShape().slice(1));
            lows.add(b[0]);
            highs.add(b[1]);
        }
        NDArray gl = (lows.size() == 1 ? lows.get(0) : NDArrays.concat(lows)).maximum(interval.gradientLower());
        NDArray gu = (highs.size() == 1 ? highs.get(0) : NDArrays.concat(highs)).minimum(interval.gradientUpper());
        return new IntervalBounds(gl, gu, interval.logitLower(), interval.logitUpper());
    }

    private static NDArray slice(NDArray a, long start, long end) {
        return start == 0 && end == a.getShape().get(0) ? a : a.get(start + ":" + end);
    }

    /**
     * {@code [gradient lower, gradient upper]} of rows by linear relaxation, {@code [rows, sample shape...]}, given the
     * interval method's forward boxes of the rows (tightened here, in the array).
     */
    private NDArray[] linear(Interval[] boxes, NDArray classes, Shape sampleShape) {
        long rows = classes.getShape().get(0);
        NDArray inputLow = boxes[0].lower(k);
        NDArray inputHigh = boxes[0].upper(k);
        int nodes = model.size();
        for (int i = 0; i < nodes; i++) {
            if (isActivation(i) && !exactInputBoxes[i]) {
                int node = i;
                boxes[i] = scoped(() -> tightened(node, boxes, inputLow, inputHigh, rows));
            }
        }
        Interval[] adjoints = intervals.backward(boxes, classes, TargetKind.LOGIT, 0);
        boolean activationAfter = false;
        for (int i = nodes - 1; i >= 0; i--) {
            if (isActivation(i)) {
                if (activationAfter && alphaSteps > 0) { // below affine maps alone the adjoint is a point: e_c mapped back
                    int value = i + 1;
                    adjoints[value] = scoped(() -> tightenedAdjoint(value, boxes, adjoints, classes, inputLow, inputHigh, rows));
                }
                activationAfter = true;
            }
        }
        long features = Shapes.size(sampleShapes[0]);
        NDArray bound;
        try (NDScope scope = new NDScope()) {
            bound = optimised(boxes, adjoints, classes, inputLow, inputHigh);
            NDScope.unregister(bound);
        }
        Shape shape = new Shape(rows).addAll(sampleShape);
        NDArray gl = bound.get(":, :" + features).reshape(shape);
        NDArray gu = bound.get(":, " + features + ":").neg().reshape(shape);
        return new NDArray[] {gl, gu};
    }

    /**
     * The gradient bounds of the specifications {@code [I; −I]} on the input: with the default relaxations, or the
     * elementwise best of the bounds met while {@link #alphaSteps} projected sign-gradient steps (of sizes 0.25, 0.2,
     * 0.16, …) optimise the relaxation parameters. Each bound met is sound, so their maximum is.
     */
    private NDArray optimised(Interval[] boxes, Interval[] adjoints, NDArray classes, NDArray inputLow, NDArray inputHigh) {
        if (alphaSteps == 0) {
            return gradientLowerBound(0, boxes, adjoints, classes, null).concretized(inputLow, inputHigh, relative, k);
        }
        NDArray best = null;
        double size = 0.25;
        try (RelaxationParameters parameters = new RelaxationParameters(projection)) {
            for (int step = 0; step <= alphaSteps; step++) {
                try (NDScope scope = new NDScope()) { // frees the pass and its autograd record; keeps parameters and the best
                    NDArray bound;
                    try (ai.djl.training.GradientCollector collector = inputLow.getManager().getEngine().newGradientCollector()) {
                        bound = gradientLowerBound(0, boxes, adjoints, classes, parameters).concretized(inputLow, inputHigh, relative, k);
                        if (step < alphaSteps) {
                            collector.backward(bound.sum());
                        }
                    }
                    NDArray next = best == null ? bound.stopGradient() : best.maximum(bound.stopGradient());
                    NDScope.unregister(next);
                    if (best != null) {
                        best.close();
                    }
                    best = next;
                    if (step < alphaSteps) {
                        parameters.step(size);
                        size *= 0.8;
                    }
                }
            }
        }
        return best;
    }

    /**
     * A box computed in an {@link NDScope}: the coefficient arrays that made it (the largest of a pass) are freed as soon
     * as it is known, not when the caller's manager closes.
     */
    private static Interval scoped(java.util.function.Supplier<Interval> work) {
        try (NDScope scope = new NDScope()) {
            Interval box = work.get();
            NDScope.unregister(box.c(), box.r());
            return box;
        }
    }

    /**
     * The specifications {@code [I; −I]} over a value's elements, {@code [1, 2·width, sample shape...]}: the same for
     * every row, so they keep one row until an activation's relaxation (which differs per row) broadcasts them. The
     * affine maps before that act on one row's coefficients instead of every row's copy of them: the same arithmetic
     * on the same numbers, so the same bounds, without a matrix product the size of the batch.
     */
    private static NDArray identities(NDManager manager, long[] sampleShape) {
        return Chain.identities(manager, sampleShape, false).lambda();
    }

    private boolean isActivation(int node) {
        return model.graph().nodes().get(node).op() instanceof Activation;
    }

    /**
     * The input box of activation node {@code i} (value i), tightened by linear bounds of each of its elements. For
     * ReLU and LeakyReLU only the elements whose box reaches 0 are bounded: on a box of one sign (0 excluded) σ is
     * linear and σ′ constant, so its relaxations are exact and a tighter box changes neither (only the rounding margins
     * that scale with the box); on the digits MLPs at most a quarter of a layer's boxes reach 0 at ε ≤ 0.01. Where
     * only the box's sign is used ({@link #signOnly}), each of those elements is bounded on one side alone: the side
     * away from its value at a point of the input box, the only side that can show the box excludes 0.
     */
    private Interval tightened(int i, Interval[] boxes, NDArray inputLow, NDArray inputHigh, long rows) {
        Interval box = boxes[i];
        long width = Shapes.size(sampleShapes[i]);
        NDArray boxLow = box.lower(k).reshape(rows, width);
        NDArray boxHigh = box.upper(k).reshape(rows, width);
        NDArray elements = LinearRelaxation.isLinearOnEachSideOfZero((Activation) model.graph().nodes().get(i).op())
                ? elementsReachingZero(boxLow, boxHigh) : null;
        if (elements != null && elements.getShape().get(1) == 0) {
            return box;
        }
        Shape shape = box.c().getShape();
        if (i == signOnly) {
            return signTightened(i, boxes, inputLow, inputHigh, elements, boxLow, boxHigh, shape);
        }
        NDArray specs = elements == null ? null : NDArrays.concat(new NDList(elements, elements.add(width)), 1);
        long bounded = elements == null ? width : elements.getShape().get(1);
        NDArray low = elementBounds(i, boxes, inputLow, inputHigh, specs, rows);
        NDArray lo = low.get(":, :" + bounded);
        NDArray hi = low.get(":, " + bounded + ":").neg();
        if (elements == null) {
            lo = lo.maximum(boxLow);
            hi = hi.minimum(boxHigh);
        } else {
            lo = boxLow.scatter(elements, lo.maximum(boxLow.gather(elements, 1)), 1);
            hi = boxHigh.scatter(elements, hi.minimum(boxHigh.gather(elements, 1)), 1);
        }
        return Interval.ofEnds(lo.reshape(shape), hi.maximum(lo).reshape(shape), k);
    }

    /**
     * The box {@code [boxLow, boxHigh]} ({@code [rows, width]}) of activation node i with each of {@code elements}
     * bounded on one side: from below where its value at the input box's midpoint is at least 0, from above where it is
     * below. Sound bounds contain that value, so the other side could never be shown to exclude 0; the box's sign, all
     * that is used of it, is the same as from both sides.
     */
    private Interval signTightened(int i, Interval[] boxes, NDArray inputLow, NDArray inputHigh, NDArray elements,
            NDArray boxLow, NDArray boxHigh, Shape shape) {
        long rows = boxLow.getShape().get(0);
        long width = boxLow.getShape().get(1);
        NDArray point = inputLow.add(inputHigh).mul(k.of(0.5));
        for (int j = 0; j < i; j++) {
            point = model.forward(j, new NDArray[] {point}, rows);
        }
        NDArray fromAbove = point.reshape(rows, width).gather(elements, 1).lt(k.of(0));
        NDArray specs = elements.add(fromAbove.toType(DataType.INT64, false).mul(width));
        NDArray bound = elementBounds(i, boxes, inputLow, inputHigh, specs, rows);
        NDArray low = boxLow.gather(elements, 1);
        NDArray high = boxHigh.gather(elements, 1);
        NDArray lo = boxLow.scatter(elements, Tensors.where(fromAbove, low, bound.maximum(low)), 1);
        NDArray hi = boxHigh.scatter(elements, Tensors.where(fromAbove, bound.neg().minimum(high), high), 1);
        return Interval.ofEnds(lo.reshape(shape), hi.maximum(lo).reshape(shape), k);
    }

    /**
     * Per row, the lower bounds over the input box of the specifications {@code [I; −I]} on value i that {@code specs}
     * picks ({@code [rows, s]} int64 indices, null for all), by one sweep down the forward pass: {@code [rows, s]}.
     */
    private NDArray elementBounds(int i, Interval[] boxes, NDArray inputLow, NDArray inputHigh, NDArray specs, long rows) {
        NDManager manager = boxes[i].c().getManager();
        long width = Shapes.size(sampleShapes[i]);
        return forwardBound(i, identities(manager, sampleShapes[i]), false, Bound.zero(manager, rows, 2 * width), boxes, null, "", specs)
                .concretized(inputLow, inputHigh, relative, k);
    }

    /** Per row, the indices (int64) of the elements whose box {@code [low, high]} ({@code [rows, width]}) reaches 0: {@link #flagged}. */
    private NDArray elementsReachingZero(NDArray low, NDArray high) {
        return flagged(low.lte(k.of(0)).logicalAnd(high.gte(k.of(0))).toType(DataType.INT32, false));
    }

    /**
     * Per row of {@code flags} ({@code [rows, width]} int32, 1 or 0), the indices (int64) of its elements set to 1, as
     * {@code [rows, m]} with m the most of any row; rows with fewer are filled with indices of elements set to 0 (work on
     * those too is sound, only unneeded). One count is read to the host to size the array.
     */
    static NDArray flagged(NDArray flags) {
        long most = flags.sum(new int[] {1}).max().toType(DataType.INT64, false).getLong();
        return flags.argSort(1, false).get(":, :" + most);
    }

    /** The adjoint box of value v, tightened by linear bounds of each of its elements up the backward chain. */
    private Interval tightenedAdjoint(int v, Interval[] boxes, Interval[] adjoints, NDArray classes, NDArray inputLow,
            NDArray inputHigh, long rows) {
        Interval box = adjoints[v];
        long width = Shapes.size(sampleShapes[v]);
        NDArray low = gradientLowerBound(v, boxes, adjoints, classes, null)
                .concretized(inputLow, inputHigh, relative, k);
        NDArray lo = low.get(":, :" + width).reshape(box.c().getShape()).maximum(box.lower(k));
        NDArray hi = low.get(":, " + width + ":").neg().reshape(box.c().getShape()).minimum(box.upper(k));
        return Interval.ofEnds(lo, hi.maximum(lo), k);
    }

    /**
     * A linear lower bound {@code Σ A·x₀ + c} of specifications, with a bound on the rounding of its evaluation.
     *
     * @param coefficients A, {@code [rows, specs, input sample shape...]}, or null while none has reached the input
     * @param constant c, {@code [rows, specs]}
     * @param magnitude M, {@code [rows, specs]}: the float64 evaluation of the bound is off from a sound bound by at
     *     most {@link #relative} times M
     */
    private record Bound(NDArray coefficients, NDArray constant, NDArray magnitude) {

        static Bound zero(NDManager manager, long rows, long specs) {
            NDArray zeros = manager.zeros(new Shape(rows, specs), DataType.FLOAT64);
            return new Bound(null, zeros, zeros);
        }

        /** The specifications each row keeps ({@code [rows, s]} int64 indices), before any coefficient reached the input. */
        Bound kept(NDArray specsPerRow) {
            return new Bound(null, constant.gather(specsPerRow, 1), magnitude.gather(specsPerRow, 1));
        }

        /** c plus a term whose own rounding is accounted for by the caller; the addition's is {@code |c + term|}. */
        Bound plusConstant(NDArray term) {
            NDArray sum = constant.add(term);
            return new Bound(coefficients, sum, magnitude.add(sum.abs()));
        }

        /** The bound with the rounding of a step, {@code Σ |λ|·V}, added to its magnitude. */
        Bound plusRounding(NDArray stepMagnitude) {
            return new Bound(coefficients, constant, magnitude.add(stepMagnitude));
        }

        /**
         * A plus coefficients a; the addition rounds each coefficient by at most ½ulp of the sum, an error in the
         * bound of at most {@code Σ |A + a|·e} for the input box's extent e ({@code [rows, 1, sample...]}).
         */
        Bound plusCoefficients(NDArray a, NDArray inputExtent) {
            if (coefficients == null) {
                return new Bound(a, constant, magnitude);
            }
            NDArray sum = coefficients.add(a);
            return new Bound(sum, constant, magnitude.add(weightedSum(sum.abs(), inputExtent)));
        }

        /**
         * The bound's minimum over the box {@code [low, high]}, {@code Σ A·m − |A|·r + c} with the box's centre m and
         * radius r (= {@code Σ A⁺·low + A⁻·high + c}), less {@code relative · (M + Σ|A|·max(|low|, |high|) + |value|)}:
         * M for the steps that made the bound, the sum for the products with m and r (and the rounding of m and r), the
         * value for the last additions. The sums are batched matrix products, so no product the size of A is made but
         * |A|.
         */
        NDArray concretized(NDArray low, NDArray high, double relative, Scalars k) {
            long rows = constant.getShape().get(0);
            long specs = constant.getShape().get(1);
            NDArray value = constant;
            NDArray size = magnitude;
            if (coefficients != null) {
                NDArray a = coefficients.reshape(coefficients.getShape().get(0), specs, -1);
                NDArray abs = a.abs();
                NDArray l = low.reshape(rows, -1, 1);
                NDArray h = high.reshape(rows, -1, 1);
                NDArray centre = l.add(h).mul(k.of(0.5));
                NDArray radius = h.sub(l).mul(k.of(0.5));
                value = value.add(a.matMul(centre).sub(abs.matMul(radius)).reshape(rows, specs));
                size = size.add(abs.matMul(NDArrays.maximum(l.abs(), h.abs())).reshape(rows, specs));
            }
            return value.sub(size.add(value.abs()).mul(k.of(relative)));
        }
    }

    /**
     * The coefficients λ of specifications on a value, {@code [rows or 1, specs, sample...]}. A mirrored chain stands
     * for the specifications {@code [I; −I]} and holds only those of I: with the default relaxations each step up the
     * backward chain is linear in λ (an affine map, or the product with σ′'s mid-range (dl + du)/2), and round to
     * nearest is symmetric under negation whatever the order of a sum, so the coefficients of −I are exactly the
     * negation of those of I after every step. Their sums are the negations of the first half's and their positive
     * part is max(−λ, 0): the bound gets every value the whole chain would give it, at half the matrix products. Optimised
     * relaxation parameters treat λ⁺ and λ⁻ differently, so a chain with them holds every specification.
     */
    private record Chain(NDArray lambda, boolean mirrored) {

        /** Coefficients that hold every specification. */
        static Chain of(NDArray lambda) {
            return new Chain(lambda, false);
        }

        /** The specifications {@code [I; −I]} on a value of this sample shape, mirrored or held whole. */
        static Chain identities(NDManager manager, long[] sampleShape, boolean mirrored) {
            long width = Shapes.size(sampleShape);
            NDArray eye = manager.eye((int) width).toType(DataType.FLOAT64, false);
            Chain identity = new Chain(eye.reshape(new Shape(1, width).addAll(new Shape(sampleShape))), true);
            return mirrored ? identity : of(identity.all());
        }

        long rows() {
            return lambda.getShape().get(0);
        }

        /** How many specifications the chain stands for. */
        long specs() {
            return lambda.getShape().get(1) * (mirrored ? 2 : 1);
        }

        /** The chain after a step that is linear in λ (for a mirrored chain, one that commutes with negation exactly). */
        Chain with(NDArray next) {
            return new Chain(next, mirrored);
        }

        /** Every specification's coefficients. */
        NDArray all() {
            return mirrored ? NDArrays.concat(new NDList(lambda, lambda.neg()), 1) : lambda;
        }

        /** λ⁺ = max(λ, 0) of every specification. */
        NDArray positive(NDArray zero) {
            return mirrored ? NDArrays.concat(new NDList(lambda.maximum(zero), lambda.neg().maximum(zero)), 1) : lambda.maximum(zero);
        }

        /** {@link LinearGradientBounds#weightedSums} {@code Σ λ·v} of every specification, {@code [rows, specs]} each. */
        NDArray[] weightedSums(NDArray[] vs) {
            NDArray[] sums = LinearGradientBounds.weightedSums(lambda, vs);
            for (int j = 0; mirrored && j < sums.length; j++) {
                sums[j] = sums[j] == null ? null : NDArrays.concat(new NDList(sums[j], sums[j].neg()), 1);
            }
            return sums;
        }

        /** {@code Σ |λ|·v} of every specification, {@code [rows, specs]}. */
        NDArray absoluteSum(NDArray v) {
            NDArray sum = LinearGradientBounds.weightedSum(lambda.abs(), v);
            return mirrored ? NDArrays.concat(new NDList(sum, sum), 1) : sum;
        }
    }

    /**
     * A sum a relaxation step takes of λ and of λ⁺ = max(λ, 0): the vector each is weighted by ({@link StepSums}),
     * null where λ⁺ takes no part.
     */
    private record Term(NDArray ofLambda, NDArray ofPositive) {

        /**
         * {@code Σ λ⁺·a + λ⁻·b}, computed as {@code Σ λ·b + λ⁺·(a − b)}: equal in real arithmetic (λ = λ⁺ + λ⁻), so
         * that λ⁻ is never made.
         */
        static Term split(NDArray a, NDArray b) {
            return new Term(b, a == b ? null : a.sub(b));
        }

        /**
         * {@code Σ |λ|·v} for v ≥ 0, the rounding of a step on λ, computed as {@code 2·Σ λ⁺·v − Σ λ·v}: equal in real
         * arithmetic and within a relative 3γ_n in float64 (both sums bounded by Σ|λ|·v), so that |λ| is never made.
         */
        static Term rounding(NDArray v) {
            return new Term(v, v);
        }
    }

    /**
     * The {@link Term}s of one relaxation step, {@code [rows, specs]} each: λ and λ⁺, the largest arrays of the step,
     * are each read once for all of them ({@link #weightedSums}).
     */
    private record StepSums(NDArray[] ofLambda, NDArray[] ofPositive) {

        static StepSums of(Chain lambda, NDArray positive, Term... terms) {
            NDArray[] forLambda = new NDArray[terms.length];
            NDArray[] forPositive = new NDArray[terms.length];
            for (int j = 0; j < terms.length; j++) {
                forLambda[j] = terms[j].ofLambda();
                forPositive[j] = terms[j].ofPositive();
            }
            return new StepSums(lambda.weightedSums(forLambda), weightedSums(positive, forPositive));
        }

        /** Term j, a {@link Term#split}. */
        NDArray split(int j) {
            return ofPositive[j] == null ? ofLambda[j] : ofLambda[j].add(ofPositive[j]);
        }

        /** Term j, a {@link Term#rounding}. */
        NDArray rounding(int j, Scalars k) {
            return ofPositive[j].mul(k.of(2)).sub(ofLambda[j]);
        }
    }

    /** An upper bound of the absolute values in a box, {@code |c| + r}, {@code [rows, sample...]}. */
    private static NDArray extent(Interval box) {
        return box.c().abs().add(box.r());
    }

    /** Sums over every axis after the first two (rows, specifications). */
    private static NDArray sumSample(NDArray a) {
        return a.getShape().dimension() == 2 ? a : a.reshape(a.getShape().get(0), a.getShape().get(1), -1).sum(new int[] {2});
    }

    /** {@code Σ a·v} over the sample axes, {@code [rows, specs]}: {@link #weightedSums} of one v. */
    private static NDArray weightedSum(NDArray a, NDArray v) {
        return weightedSums(a, new NDArray[] {v})[0];
    }

    /**
     * {@code Σ a·v} over the sample axes, {@code [rows, specs]}, for coefficients a ({@code [rows or 1, specs, sample...]})
     * and each of several v (a null v gives null). The v that are one vector per row ({@code [rows, 1, sample...]}) make
     * one batched matrix product together, which reads a once for all of them and writes nothing its size (where a is
     * every row's, a matrix product {@code v·aᵀ}, which a batched product would first copy per row); a v with one
     * vector per specification ({@code [rows, specs, sample...]}), or a with one specification, takes product and sum.
     * The two differ only in the order of the additions.
     */
    private static NDArray[] weightedSums(NDArray a, NDArray[] vs) {
        NDArray[] out = new NDArray[vs.length];
        long specs = a.getShape().get(1);
        List<Integer> together = new ArrayList<>();
        for (int j = 0; j < vs.length; j++) {
            if (vs[j] != null && (specs == 1 || vs[j].getShape().get(1) != 1)) {
                out[j] = sumSample(a.mul(vs[j]));
            } else if (vs[j] != null) {
                together.add(j);
            }
        }
        if (!together.isEmpty()) {
            long aRows = a.getShape().get(0);
            long rows = aRows;
            for (int j : together) {
                rows = Math.max(rows, vs[j].getShape().get(0));
            }
            long width = a.getShape().size() / (aRows * specs);
            NDList vectors = new NDList();
            for (int j : together) {
                vectors.add(vs[j].reshape(vs[j].getShape().get(0), width).broadcast(new Shape(rows, width)));
            }
            int m = together.size();
            if (aRows == 1 && rows > 1) { // a is every row's: [rows·m, width] times aᵀ
                NDArray sums = NDArrays.stack(vectors, 1).reshape(rows * m, width).matMul(a.reshape(specs, width).transpose())
                        .reshape(rows, m, specs);
                for (int t = 0; t < m; t++) {
                    out[together.get(t)] = sums.get(":, " + t + ", :");
                }
            } else {
                NDArray sums = a.reshape(aRows, specs, width).matMul(NDArrays.stack(vectors, 2));
                for (int t = 0; t < m; t++) {
                    out[together.get(t)] = sums.get(":, :, " + t);
                }
            }
        }
        return out;
    }

    /**
     * {@code λ⁺·a + λ⁻·b} given λ and λ⁺ = max(λ, 0), computed as {@code λ·b + λ⁺·(a − b)} (equal in real arithmetic)
     * with the sum made in place in the fresh product: one array of λ's size fewer to allocate and fill. Autograd
     * allows it: a product keeps its operands for its backward pass, not its result.
     */
    private static NDArray splitProduct(NDArray lambda, NDArray positive, NDArray a, NDArray b) {
        return a == b ? lambda.mul(a) : lambda.mul(b).addi(positive.mul(a.sub(b)));
    }

    /**
     * {@code Σ λ·b} per row of λ ({@code [n, sample...]}) for an affine map's offset b: a matrix–vector product where b
     * has one value per element, the broadcast product and sum otherwise (a convolution's bias per channel).
     */
    private static NDArray offsetTerm(NDArray lambda, NDArray offset) {
        long n = lambda.getShape().get(0);
        if (offset.getShape().size() == lambda.getShape().size() / n) {
            return lambda.reshape(n, -1).matMul(offset.reshape(-1, 1)).reshape(n);
        }
        return lambda.mul(offset).reshape(n, -1).sum(new int[] {1});
    }

    /**
     * Adds to {@code bound} a lower bound of {@code Σ λ · x_v} as a linear function of the input: λ moves down the
     * forward pass, exactly through affine maps (their offsets to the constant), through activations by their
     * relaxations over the boxes.
     *
     * @param parameters the free lower slopes of ReLUs, under sites named after {@code site}; null for the defaults
     * @param specsPerRow the specifications each row keeps ({@code [rows, s]} int64 indices into λ's specification axis)
     *     when λ is every row's ({@code [1, specs, ...]}), taken where λ first meets an activation or the input: the affine
     *     maps above act on the specifications every row shares; null for all
     */
    private Bound forwardBound(int value, NDArray lambda, boolean firstStepCounted, Bound bound, Interval[] boxes,
            RelaxationParameters parameters, String site, NDArray specsPerRow) {
        NDArray[] onValues = new NDArray[value + 1];
        boolean[] firstStepsCounted = new boolean[value + 1];
        onValues[value] = lambda;
        firstStepsCounted[value] = firstStepCounted;
        return forwardBound(onValues, firstStepsCounted, bound, boxes, parameters, site, specsPerRow);
    }

    /**
     * Adds to {@code bound} a lower bound of {@code Σ_v Σ λ_v · x_v} for coefficients λ_v on several values, in one
     * sweep down the forward pass: each λ_v joins the coefficients coming down from above where the sweep reaches x_v.
     * An affine map is linear, so the sum moves through it exactly as the parts would; at an activation the sum is
     * relaxed by its own signs, a lower bound at least as high as the parts' relaxed apart. A network whose gradient
     * chain meets L smooth activations takes L steps through each map below them instead of up to L.
     *
     * @param onValues λ_v at index v ({@code [rows or 1, specs, sample...]}, one specification axis for all), null where
     *     none; the sweep starts at the last. Each other one above the input must come with the rounding of its join
     *     counted by the caller: the sum rounds each coefficient by at most ½ulp of |λ_v + λ|, an error within
     *     {@code Σ |λ_v|·e + Σ |λ|·e} for x_v's extent e, of which the second sum is counted here, at the activation
     *     that makes λ. One on the input joins as {@link Bound#plusCoefficients}, which counts its own.
     * @param firstStepsCounted per λ_v, whether the caller counted the rounding of its first step down: the step after a
     *     join is counted when both parts' are
     */
    private Bound forwardBound(NDArray[] onValues, boolean[] firstStepsCounted, Bound bound, Interval[] boxes,
            RelaxationParameters parameters, String site, NDArray specsPerRow) {
        int value = onValues.length - 1;
        NDArray l = onValues[value];
        Bound b = bound;
        long specs = l.getShape().get(1);
        boolean counted = firstStepsCounted[value];
        NDArray selection = specsPerRow;
        for (int i = value - 1; i >= 0; i--) {
            if (onValues[i + 1] != null && i + 1 < value) {
                l = l.add(onValues[i + 1]);
                counted = counted && firstStepsCounted[i + 1];
            }
            if (selection != null && (isActivation(i) || i == 0)) {
                l = kept(l, selection);
                b = b.kept(selection);
                specs = selection.getShape().get(1);
                selection = null;
            }
            long rows = l.getShape().get(0); // 1 while the specifications are still every row's
            if (isActivation(i)) {
                LinearRelaxation r = valueRelaxation(i, boxes[i], l, parameters, site);
                NDArray lowerOffset = perSpec(r.lowerOffset(), l);
                NDArray upperOffset = perSpec(r.upperOffset(), l);
                NDArray lowerSlope = perSpec(r.lowerSlope(), l);
                NDArray upperSlope = perSpec(r.upperSlope(), l);
                NDArray positive = l.maximum(k.of(0));
                // rounding: the sum of the offsets, and the new coefficients (each within |aL| + |aU| of λ) times x_i;
                // and the affine step below on them, and a join with λ_i, counted here where λ⁺ is at hand
                NDArray slopes = lowerSlope.abs().add(upperSlope.abs());
                NDArray e = extent(boxes[i]).expandDims(1);
                NDArray v = lowerOffset.abs().add(upperOffset.abs()).add(slopes.mul(e)).mul(k.of(2));
                NDArray below = downStepRounding(i - 1, boxes);
                NDArray after = plus(below, i > 0 && onValues[i] != null ? e : null);
                StepSums sums = StepSums.of(Chain.of(l), positive, Term.rounding(after == null ? v : v.add(slopes.mul(after))),
                        Term.split(lowerOffset, upperOffset));
                b = b.plusRounding(sums.rounding(0, k));
                counted = below != null;
                b = b.plusConstant(sums.split(1));
                l = splitProduct(l, positive, lowerSlope, upperSlope);
            } else {
                LinearMap map = model.linearMap(i);
                NDArray rowsOf = l.reshape(new Shape(rows * specs).addAll(new Shape(sampleShapes[i + 1])));
                NDArray offset = map.offset(rows * specs);
                if (offset != null) {
                    b = b.plusConstant(offsetTerm(rowsOf, offset).reshape(rows, specs));
                }
                NDArray v = counted ? null : downStepRounding(i, boxes);
                if (v != null) {
                    b = b.plusRounding(Chain.of(l).absoluteSum(v));
                }
                counted = false;
                l = map.adjoint(rowsOf)[0].reshape(new Shape(rows, specs).addAll(new Shape(sampleShapes[i])));
            }
        }
        b = b.plusCoefficients(l, extent(boxes[0]).expandDims(1));
        return value > 0 && onValues[0] != null ? b.plusCoefficients(onValues[0], extent(boxes[0]).expandDims(1)) : b;
    }

    /** {@code a + b} where either may be null (nothing). */
    private static NDArray plus(NDArray a, NDArray b) {
        return a == null ? b : b == null ? a : a.add(b);
    }

    /**
     * The specifications that each row keeps of λ, which is still every row's ({@code [1, specs, sample...]}):
     * {@code [rows, s, sample...]}, whole coefficient rows picked by index.
     */
    private static NDArray kept(NDArray lambda, NDArray specsPerRow) {
        Shape shape = new Shape(specsPerRow.getShape().get(0), specsPerRow.getShape().get(1)).addAll(lambda.getShape().slice(2));
        return lambda.reshape(lambda.getShape().get(1), -1).get(specsPerRow.reshape(-1)).reshape(shape);
    }

    /**
     * The rounding V of affine node i's step down the forward pass (the sum {@code Σ λ·b} and the adjoint {@code Lᵀλ}
     * times x_i): {@code |b| + |L|·(extent of x_i)}, {@code [rows, 1, output sample...]}; null where node i is not an
     * affine map or rounds nothing (data movement).
     */
    private NDArray downStepRounding(int i, Interval[] boxes) {
        if (i < 0 || isActivation(i)) {
            return null;
        }
        LinearMap map = model.linearMap(i);
        NDArray v = map.adjointTerms() == 0 ? null : map.magnitude(new NDArray[] {extent(boxes[i])});
        NDArray offset = map.offsetMagnitude(boxes[i].c().getShape().get(0));
        if (offset != null) {
            v = v == null ? offset.broadcast(boxes[i + 1].c().getShape()) : v.add(offset);
        }
        return v == null ? null : v.expandDims(1);
    }

    /**
     * The rounding V of affine node i's step up the gradient chain (the product {@code L λ} times δ_{i+1}):
     * {@code |L|ᵀ·(extent of δ_{i+1})}, {@code [rows, 1, input sample...]}; null where node i is not an affine map or
     * rounds nothing.
     */
    private NDArray upStepRounding(int i, Interval[] adjoints) {
        if (i >= model.size() || isActivation(i) || model.linearMap(i).terms() == 0) {
            return null;
        }
        return model.linearMap(i).magnitudeAdjoint(extent(adjoints[i + 1]))[0].expandDims(1);
    }

    /** A relaxation's array with the specification axis of λ, {@code [rows, specs, sample...]}. */
    private static NDArray perSpec(NDArray a, NDArray lambda) {
        return a.getShape().dimension() == lambda.getShape().dimension() ? a : a.expandDims(1);
    }

    /**
     * The relaxation of activation node i over its box for the specifications of λ: with {@code parameters}, a ReLU's
     * lower slopes are the parameters at site {@code site + "/" + i}.
     */
    private LinearRelaxation valueRelaxation(int i, Interval box, NDArray lambda, RelaxationParameters parameters, String site) {
        Activation op = (Activation) model.graph().nodes().get(i).op();
        if (parameters != null && LinearRelaxation.hasFreeLowerSlope(op)) {
            NDArray l = box.lower(k);
            NDArray u = box.upper(k);
            NDArray theta = parameters.at(site + "/" + i, () -> LinearRelaxation.defaultLowerSlopeChoice(l, u, k).expandDims(1)
                    .broadcast(new Shape(l.getShape().get(0), lambda.getShape().get(1)).addAll(lambda.getShape().slice(2))));
            return relaxations.apply(LinearRelaxation.withLowerSlope(op, l, u, theta, k));
        }
        Interval range = intervals.rule(i).forward(new Interval[] {box}, box.c().getShape().get(0), 0);
        return relaxations.apply(LinearRelaxation.ofValue(op, model.activation(i), box.lower(k), box.upper(k), range, k));
    }

    private LinearRelaxation derivativeRelaxation(int i, Interval box, Interval range) {
        Activation op = (Activation) model.graph().nodes().get(i).op();
        return relaxations.apply(LinearRelaxation.ofDerivative(op, model.activation(i), box.lower(k), box.upper(k), range, k));
    }

    /**
     * Lower bounds of the specifications {@code [I; −I]} on δ_start (δ₀ = g), {@code [rows, 2·width]}, as linear
     * functions of the input: their coefficients move up the backward chain from δ_start to the seed e_c (with the
     * default relaxations as a {@link Chain#mirrored} chain).
     *
     * @param parameters the McCormick plane weights and ReLU lower slopes to use; null for the defaults (weight ½,
     *     {@link LinearRelaxation}'s slopes)
     */
    private Bound gradientLowerBound(int start, Interval[] boxes, Interval[] adjoints, NDArray classes,
            RelaxationParameters parameters) {
        if (parameters == null && piecewiseLinearFrom(start)) {
            return deferredLowerBound(start, boxes, adjoints, classes);
        }
        NDManager manager = classes.getManager();
        Chain lambda = Chain.identities(manager, sampleShapes[start], parameters == null);
        long specs = lambda.specs();
        Bound bound = Bound.zero(manager, 1, specs);
        int nodes = model.size();
        NDArray half = k.of(0.5);
        boolean counted = false; // whether the activation before counted this affine step's rounding
        NDArray[] toValues = new NDArray[nodes]; // coefficients on the values below smooth activations, for one sweep down
        boolean[] toValuesCounted = new boolean[nodes];
        for (int i = start; i < nodes; i++) {
            long rows = lambda.rows(); // 1 while the specifications are still every row's
            if (!isActivation(i)) {
                LinearMap map = model.linearMap(i);
                NDArray v = counted ? null : upStepRounding(i, adjoints);
                if (v != null) {
                    bound = bound.plusRounding(lambda.absoluteSum(v));
                }
                counted = false;
                long held = lambda.lambda().getShape().get(1);
                NDArray rowsOf = lambda.lambda().reshape(new Shape(rows * held).addAll(new Shape(sampleShapes[i])));
                lambda = lambda.with(map.linear(new NDArray[] {rowsOf}).reshape(new Shape(rows, held).addAll(new Shape(sampleShapes[i + 1]))));
                continue;
            }
            // δ_i = d ⊙ δ_{i+1} with d = σ′(x_i) ∈ [dl, du] and δ_{i+1} ∈ [al, au], relaxed by ProductPlanes
            Interval d = ((ActivationRule) intervals.rule(i)).derivativeRange(boxes[i].lower(k), boxes[i].upper(k));
            NDArray dl = d.lower(k).expandDims(1);
            NDArray du = d.upper(k).expandDims(1);
            NDArray al = adjoints[i + 1].lower(k).expandDims(1);
            NDArray au = adjoints[i + 1].upper(k).expandDims(1);
            Shape perSpecification = new Shape(dl.getShape().get(0), specs).addAll(lambda.lambda().getShape().slice(2));
            NDArray beta = parameters == null ? half : parameters.at("product/" + i, () -> half.broadcast(perSpecification).duplicate());
            NDArray positive = lambda.positive(k.of(0));
            ProductPlanes planes = ProductPlanes.of(dl, du, al, au, beta, k);
            LinearRelaxation r = derivativeRelaxation(i, boxes[i], d);
            NDArray lowerOffset = r.lowerOffset().expandDims(1);
            NDArray upperOffset = r.upperOffset().expandDims(1);
            boolean constantDerivative = LinearRelaxation.derivativeIsConstant((Activation) model.graph().nodes().get(i).op());
            NDArray above = upStepRounding(i + 1, adjoints);
            NDArray below = constantDerivative ? null : downStepRounding(i - 1, boxes);
            StepSums sums = StepSums.of(lambda, positive, Term.split(planes.lowerConstant(), planes.upperConstant()),
                    Term.rounding(productRounding(dl, du, al, au, r, extent(boxes[i]).expandDims(1), above, below)),
                    Term.split(planes.lowerLine(lowerOffset, upperOffset), planes.upperLine(lowerOffset, upperOffset)));
            bound = bound.plusConstant(sums.split(0));
            bound = bound.plusRounding(sums.rounding(1, k));
            counted = above != null;
            bound = bound.plusConstant(sums.split(2));
            if (!constantDerivative) {
                // constant bounds of σ′ have slopes 0: nothing would flow down the forward pass but zeros
                NDArray lowerSlope = r.lowerSlope().expandDims(1);
                NDArray upperSlope = r.upperSlope().expandDims(1);
                NDArray toValue = splitProduct(lambda.all(), positive, planes.lowerLine(lowerSlope, upperSlope),
                        planes.upperLine(lowerSlope, upperSlope));
                toValues[i] = toValue;
                toValuesCounted[i] = below != null;
            }
            // the coefficient on δ: du + β·(dl − du) below (λ⁺), dl + β·(du − dl) above (λ⁻); both (dl + du)/2 at β = ½
            lambda = parameters == null ? lambda.with(lambda.lambda().mul(dl.add(du).mul(half)))
                    : Chain.of(splitProduct(lambda.all(), positive, du.add(dl.sub(du).mul(beta)), dl.add(du.sub(dl).mul(beta))));
        }
        int top = nodes - 1;
        while (top >= 0 && toValues[top] == null) {
            top--;
        }
        if (top >= 0) {
            bound = forwardBound(Arrays.copyOf(toValues, top + 1), Arrays.copyOf(toValuesCounted, top + 1), bound, boxes, parameters,
                    "forward", null);
        }
        NDArray oneHot = classes.oneHot((int) sampleShapes[nodes][0], DataType.FLOAT64).expandDims(1);
        return bound.plusConstant(lambda.weightedSums(new NDArray[] {oneHot})[0]);
    }

    /**
     * McCormick's planes for the product {@code d ⊙ δ} of σ′'s value d ∈ [dl, du] and the adjoint δ ∈ [al, au]: lower
     * planes {@code dl·δ + al·d − dl·al} and {@code du·δ + au·d − du·au}, upper planes {@code du·δ + al·d − du·al} and
     * {@code dl·δ + au·d − dl·au}. Each side mixes its two planes with weight β on the first (any β in [0, 1] is sound;
     * ½ by default), so both share the coefficient {@code m = au + β·(al − au)} on d, and their constants are
     * {@link #lowerConstant} and {@link #upperConstant}. The coefficient μ = λ·m on d has {@code μ⁺ = λ⁺m⁺ + λ⁻m⁻} and
     * {@code μ⁻ = λ⁺m⁻ + λ⁻m⁺}, so a relaxation of d enters through λ⁺ and λ⁻ with m's signs folded into its
     * per-element lines ({@link #lowerLine}, {@link #upperLine}): μ is never made.
     */
    private record ProductPlanes(NDArray lowerConstant, NDArray upperConstant, NDArray mPositive, NDArray mNegative) {

        static ProductPlanes of(NDArray dl, NDArray du, NDArray al, NDArray au, NDArray beta, Scalars k) {
            NDArray m = au.add(al.sub(au).mul(beta));
            return new ProductPlanes(du.mul(au).add(dl.mul(al).sub(du.mul(au)).mul(beta)).neg(),
                    dl.mul(au).add(du.mul(al).sub(dl.mul(au)).mul(beta)).neg(), m.maximum(k.of(0)), m.minimum(k.of(0)));
        }

        /** What λ⁺ weighs a relaxation of d by whose lower and upper lines have these values (slopes or offsets). */
        NDArray lowerLine(NDArray lower, NDArray upper) {
            return mPositive.mul(lower).add(mNegative.mul(upper));
        }

        /** What λ⁻ weighs it by. */
        NDArray upperLine(NDArray lower, NDArray upper) {
            return mNegative.mul(lower).add(mPositive.mul(upper));
        }
    }

    /**
     * Whether every activation from node {@code start} up is linear on each side of 0 (ReLU, LeakyReLU): with the default
     * relaxations the chain is then a {@link DeferredChain} ({@link #deferredLowerBound}).
     */
    private boolean piecewiseLinearFrom(int start) {
        for (int i = start; i < model.size(); i++) {
            if (isActivation(i) && !LinearRelaxation.isLinearOnEachSideOfZero((Activation) model.graph().nodes().get(i).op())) {
                return false;
            }
        }
        return true;
    }

    /**
     * σ′'s range {@code {lower, upper}} over the box of activation node i, linear on each side of 0: exact, the slope of
     * the side the box lies on (decided exactly: {@code c > r} is above 0, {@code −c > r} below), both slopes where it
     * reaches 0. The general range ({@link ActivationRule#derivativeRange}) is rounded outward, so its ends differ even
     * where σ′ is constant; these are equal there, which {@link #deferredLowerBound} relies on to skip those elements.
     */
    private NDArray[] piecewiseDerivativeRange(int i, Interval box) {
        double[] slopes = ((Activation) model.graph().nodes().get(i).op()).derivativeLimits(0);
        NDArray above = box.c().gt(box.r());
        NDArray aside = above.logicalOr(box.c().neg().gt(box.r()));
        NDArray side = Tensors.where(above, k.of(slopes[1]), k.of(slopes[0]));
        return new NDArray[] {Tensors.where(aside, side, k.of(Math.min(slopes[0], slopes[1]))),
            Tensors.where(aside, side, k.of(Math.max(slopes[0], slopes[1])))};
    }

    /**
     * {@link #gradientLowerBound} with the default relaxations on a chain of piecewise-linear activations, whose σ′ is
     * bounded by constants: then every sum a product step takes of λ is against a vector per row, and λ⁺ is needed only
     * where the step's two sides differ, which for ReLU and LeakyReLU is at the elements whose box reaches 0 (σ′ is
     * constant on the others, dl = du, and both sides are then equal bit for bit). The chain is a {@link DeferredChain}:
     * the sums move their vectors down the deferred steps, and λ is made at those elements alone. On the digits ReLU
     * MLP that replaces the product of every row's 64 × 128 coefficients with the 128 × 128 layer by matrix–vector
     * products and λ at the few elements of each row whose box reaches 0.
     *
     * <p>The product step's own rounding V ({@link #productRounding}, without its neighbours': an affine step before the
     * first activation is made on S and counts its own, one after it is deferred and rounds nothing) is added as
     * {@link DeferredChain#absoluteSums} of V; each sum's evaluation, with λ⁺ taken from a λ that is
     * itself computed, as {@code (depth + 2)} times the absolute sums of its vectors' sizes: {@code relative} is twice
     * γ of the widest sum and more, and the evaluation nests at most {@link DeferredChain#depth} such sums and one
     * rounding per scale.
     */
    private Bound deferredLowerBound(int start, Interval[] boxes, Interval[] adjoints, NDArray classes) {
        NDManager manager = classes.getManager();
        DeferredChain lambda = DeferredChain.identities(manager, sampleShapes[start], k);
        Bound bound = Bound.zero(manager, 1, lambda.specs());
        NDArray half = k.of(0.5);
        for (int i = start; i < model.size(); i++) {
            if (!isActivation(i)) {
                NDArray v = lambda.isDeferring() ? null : upStepRounding(i, adjoints);
                if (v != null) {
                    bound = bound.plusRounding(lambda.absoluteSums(v));
                }
                lambda.map(model.linearMap(i), sampleShapes[i], sampleShapes[i + 1]);
                continue;
            }
            NDArray[] d = piecewiseDerivativeRange(i, boxes[i]);
            NDArray dl = d[0].expandDims(1);
            NDArray du = d[1].expandDims(1);
            NDArray al = adjoints[i + 1].lower(k).expandDims(1);
            NDArray au = adjoints[i + 1].upper(k).expandDims(1);
            ProductPlanes planes = ProductPlanes.of(dl, du, al, au, half, k);
            LinearRelaxation r = relaxations.apply(LinearRelaxation.constant(d[0], d[1]));
            NDArray lowerOffset = r.lowerOffset().expandDims(1);
            NDArray upperOffset = r.upperOffset().expandDims(1);
            // each sum is Σ λ⁺·a + λ⁻·b = Σ λ·b + λ⁺·(a − b) (Term#split): the McCormick constants, then the line of d
            NDArray[] b = {planes.upperConstant(), planes.upperLine(lowerOffset, upperOffset)};
            NDArray[] w = {planes.lowerConstant().sub(b[0]), planes.lowerLine(lowerOffset, upperOffset).sub(b[1])};
            NDArray sums = lambda.sums(NDArrays.concat(new NDList(b[0], b[1]), 1))
                    .add(lambda.positiveSums(NDArrays.concat(new NDList(w[0], w[1]), 1)));
            NDArray evaluated = b[0].abs().add(w[0].abs()).add(b[1].abs()).add(w[1].abs()).mul(k.of(lambda.depth() + 2));
            bound = bound.plusConstant(sums.get(":, :, 0"));
            bound = bound.plusConstant(sums.get(":, :, 1"));
            bound = bound.plusRounding(lambda.absoluteSums(
                    productRounding(dl, du, al, au, r, extent(boxes[i]).expandDims(1), null, null).add(evaluated)));
            lambda.scale(dl.add(du).mul(half)); // the coefficient on δ at β = ½
        }
        NDArray seed = classes.oneHot((int) sampleShapes[model.size()][0], DataType.FLOAT64).expandDims(1);
        bound = bound.plusRounding(lambda.absoluteSums(seed.mul(k.of(lambda.depth() + 2))));
        return bound.plusConstant(lambda.sums(seed).squeeze(2));
    }

    /**
     * Per element, a bound V of what the product step {@code d ⊙ δ} rounds, as a multiple of {@link #relative}:
     * {@code S_a·(3·S_d + 2·(|bL| + |bU|) + (|aL| + |aU|)·(2e + below)) + S_d·above} with {@code S_a = |al| + |au|},
     * {@code S_d = |dl| + |du|} and e the extent of σ′'s argument. The McCormick constants are at most
     * {@code S_d·S_a} (for any plane weight in [0, 1]), the relaxation r's constants at most {@code S_a·(|bL| + |bU|)}
     * and the coefficients sent down the forward pass at most {@code S_a·(|aL| + |aU|)}; each is made by a few
     * products, then summed against λ (γ_n, the first two sides counted twice for the split into λ·b + λ⁺·(a − b));
     * the coefficients sent down join those coming down from above ({@link #forwardBound(NDArray[], boolean[], Bound,
     * Interval[], RelaxationParameters, String, NDArray)}), whose sum rounds by their size times e once more;
     * the new coefficient on δ is within {@code S_d} of λ and multiplies an adjoint of at most {@code S_a}. The rounding
     * V of the affine steps next to this one, up the chain ({@code above}) and down the forward pass ({@code below}),
     * either null, is counted here too, on the bounds of the coefficients they take: here λ⁺ is at hand, so no |λ| is
     * made ({@link Term#rounding}).
     */
    private NDArray productRounding(NDArray dl, NDArray du, NDArray al, NDArray au, LinearRelaxation r, NDArray extent,
            NDArray above, NDArray below) {
        NDArray adjoints = al.abs().add(au.abs());
        NDArray derivatives = dl.abs().add(du.abs());
        NDArray slopes = r.lowerSlope().abs().add(r.upperSlope().abs()).expandDims(1);
        NDArray offsets = r.lowerOffset().abs().add(r.upperOffset().abs()).expandDims(1);
        NDArray twice = extent.mul(k.of(2));
        NDArray v = adjoints.mul(derivatives.mul(k.of(3)).add(offsets.mul(k.of(2))).add(slopes.mul(below == null ? twice : twice.add(below))));
        return above == null ? v : v.add(derivatives.mul(above));
    }

    @Override
    public void close() {
        intervals.close();
    }
}
