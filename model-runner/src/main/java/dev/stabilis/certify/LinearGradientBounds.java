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
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Constant;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Shapes;
import java.util.Arrays;
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
 * by the same forward propagation, and the adjoint boxes recomputed from the tightened ones. Each coordinate's final
 * bounds are intersected with the interval bounds (both are sound, so the intersection is). Rounding: every linear
 * bound is widened by {@code 16·(depth + 1)·(widest value)·2⁻⁵²} of the magnitude of its terms. That magnitude is
 * taken from each constant as added and from the final coefficients, not from every product that made them; under
 * cancellation in the back-substitution the rounding error can exceed it, so at the level of a few ulps this margin is
 * an estimate, not a proof (the interval method's rounding is a proof; a rigorous margin would carry the absolute
 * values through the back-substitution).
 *
 * <p>The method applies to chains of single-input affine maps and activations with a logit target and exact
 * parameters; for any other graph or setting it returns the interval bounds, and {@link #fallback} says why.
 */
final class LinearGradientBounds implements GradientBounds {

    /** Coefficient values (rows × specifications × widest value) per pass, bounding memory. */
    private static final long COEFFICIENTS_PER_PASS = 1L << 24;

    private final IntervalGradientBounds intervals;
    private final GraphModel model;
    private final Scalars k;
    private final String unsupported;
    private final long[][] sampleShapes;
    private final long widest;
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
            if (!supported || !node.inputs().equals(java.util.List.of(previous))) {
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
     * {@code e_c − softmax(z)} and a parameter box are not relaxed linearly).
     */
    @Override
    public IntervalBounds bounds(NDArray lower, NDArray upper, NDArray classes, TargetKind kind, double gamma) {
        if (unsupported != null || kind != TargetKind.LOGIT || gamma != 0) {
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
        boolean activationBefore = false;
        for (int i = 0; i < nodes; i++) {
            if (isActivation(i)) {
                if (activationBefore) { // behind affine maps alone the interval box is already exact
                    int node = i;
                    boxes[i] = scoped(() -> tightened(node, boxes, inputLow, inputHigh, rows));
                }
                activationBefore = true;
            }
        }
        Interval[] adjoints = intervals.backward(boxes, classes, TargetKind.LOGIT, 0);
        boolean activationAfter = false;
        for (int i = nodes - 1; i >= 0; i--) {
            if (isActivation(i)) {
                if (activationAfter) { // below affine maps alone the adjoint is a point: e_c mapped back
                    int value = i + 1;
                    adjoints[value] = scoped(() -> tightenedAdjoint(value, boxes, adjoints, classes, inputLow, inputHigh, rows));
                }
                activationAfter = true;
            }
        }
        long features = Shapes.size(sampleShapes[0]);
        NDArray bound;
        try (NDScope scope = new NDScope()) {
            bound = optimised(identities(inputLow.getManager(), sampleShapes[0]), boxes, adjoints, classes, inputLow, inputHigh);
            NDScope.unregister(bound);
        }
        Shape shape = new Shape(rows).addAll(sampleShape);
        NDArray gl = bound.get(":, :" + features).reshape(shape);
        NDArray gu = bound.get(":, " + features + ":").neg().reshape(shape);
        return new NDArray[] {gl, gu};
    }

    /**
     * The gradient bounds of the specifications: with the default relaxations, or the elementwise best of the bounds
     * met while {@link #alphaSteps} projected sign-gradient steps (of sizes 0.25, 0.2, 0.16, …) optimise the relaxation
     * parameters. Each bound met is sound, so their maximum is.
     */
    private NDArray optimised(NDArray spec, Interval[] boxes, Interval[] adjoints, NDArray classes, NDArray inputLow, NDArray inputHigh) {
        if (alphaSteps == 0) {
            return gradientLowerBound(spec, 0, boxes, adjoints, classes, null).concretized(inputLow, inputHigh, margin(), k);
        }
        NDArray best = null;
        double size = 0.25;
        try (RelaxationParameters parameters = new RelaxationParameters(projection)) {
            for (int step = 0; step <= alphaSteps; step++) {
                try (NDScope scope = new NDScope()) { // frees the pass and its autograd record; keeps parameters and the best
                    NDArray bound;
                    try (ai.djl.training.GradientCollector collector = spec.getManager().getEngine().newGradientCollector()) {
                        bound = gradientLowerBound(spec, 0, boxes, adjoints, classes, parameters).concretized(inputLow, inputHigh, margin(), k);
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
        long width = Shapes.size(sampleShape);
        NDArray eye = manager.eye((int) width).toType(DataType.FLOAT64, false);
        return NDArrays.concat(new NDList(eye, eye.neg())).reshape(new Shape(1, 2 * width).addAll(new Shape(sampleShape)));
    }

    private boolean isActivation(int node) {
        return model.graph().nodes().get(node).op() instanceof Activation;
    }

    /** The input box of activation node {@code i} (value i), tightened by linear bounds of each of its elements. */
    private Interval tightened(int i, Interval[] boxes, NDArray inputLow, NDArray inputHigh, long rows) {
        Interval box = boxes[i];
        long width = Shapes.size(sampleShapes[i]);
        NDArray low = forwardBound(i, identities(box.c().getManager(), sampleShapes[i]), Bound.zero(box.c().getManager(), rows, 2 * width), boxes,
                null, "")
                .concretized(inputLow, inputHigh, margin(), k);
        NDArray lo = low.get(":, :" + width).reshape(box.c().getShape()).maximum(box.lower(k));
        NDArray hi = low.get(":, " + width + ":").neg().reshape(box.c().getShape()).minimum(box.upper(k));
        return Interval.ofEnds(lo, hi.maximum(lo), k);
    }

    /** The adjoint box of value v, tightened by linear bounds of each of its elements up the backward chain. */
    private Interval tightenedAdjoint(int v, Interval[] boxes, Interval[] adjoints, NDArray classes, NDArray inputLow,
            NDArray inputHigh, long rows) {
        Interval box = adjoints[v];
        long width = Shapes.size(sampleShapes[v]);
        NDArray low = gradientLowerBound(identities(box.c().getManager(), sampleShapes[v]), v, boxes, adjoints, classes, null)
                .concretized(inputLow, inputHigh, margin(), k);
        NDArray lo = low.get(":, :" + width).reshape(box.c().getShape()).maximum(box.lower(k));
        NDArray hi = low.get(":, " + width + ":").neg().reshape(box.c().getShape()).minimum(box.upper(k));
        return Interval.ofEnds(lo, hi.maximum(lo), k);
    }

    /**
     * A linear lower bound {@code Σ A·x₀ + c} of specifications, with the magnitude of the terms that made it.
     *
     * @param coefficients A, {@code [rows, specs, input sample shape...]}, or null while none has reached the input
     * @param constant c, {@code [rows, specs]}
     * @param magnitude the sum of the absolute values of the terms added to c, for the rounding margin
     */
    private record Bound(NDArray coefficients, NDArray constant, NDArray magnitude) {

        static Bound zero(NDManager manager, long rows, long specs) {
            NDArray zeros = manager.zeros(new Shape(rows, specs), DataType.FLOAT64);
            return new Bound(null, zeros, zeros);
        }

        Bound plusConstant(NDArray c) {
            return new Bound(coefficients, constant.add(c), magnitude.add(c.abs()));
        }

        Bound plusCoefficients(NDArray a) {
            return new Bound(coefficients == null ? a : coefficients.add(a), constant, magnitude);
        }

        /**
         * The bound's minimum over the box {@code [low, high]}, {@code Σ A·m − |A|·r + c} with the box's centre m and
         * radius r (= {@code Σ A⁺·low + A⁻·high + c}), less the rounding margin
         * {@code relative · (Σ|A|·max(|low|, |high|) + magnitude)}, which also covers the rounding of m and r. The sums
         * are batched matrix products, so no product the size of A is made but |A|.
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
            return value.sub(size.mul(k.of(relative)));
        }
    }

    /** Sums over every axis after the first two (rows, specifications). */
    private static NDArray sumSample(NDArray a) {
        return a.getShape().dimension() == 2 ? a : a.reshape(a.getShape().get(0), a.getShape().get(1), -1).sum(new int[] {2});
    }

    /**
     * {@code Σ a·v} over the sample axes, {@code [rows, specs]}, for coefficients a ({@code [rows or 1, specs, sample...]})
     * and v either one vector per row ({@code [rows, 1, sample...]}): a batched matrix–vector product, which reads a
     * once and writes nothing its size; or one per specification ({@code [rows, specs, sample...]}): product and sum.
     * The two differ from each other only in the order of the additions.
     */
    private static NDArray weightedSum(NDArray a, NDArray v) {
        long specs = a.getShape().get(1);
        if (v.getShape().get(1) != 1 || specs == 1) {
            return sumSample(a.mul(v));
        }
        long rows = Math.max(a.getShape().get(0), v.getShape().get(0));
        return a.reshape(a.getShape().get(0), specs, -1).matMul(v.reshape(v.getShape().get(0), -1, 1)).reshape(rows, specs);
    }

    /**
     * {@code Σ λ⁺·a + λ⁻·b} over the sample axes, {@code [rows, specs]}, given λ and λ⁺ = max(λ, 0): computed as
     * {@code Σ λ·b + λ⁺·(a − b)}, equal in real arithmetic (λ = λ⁺ + λ⁻), so that λ⁻ is never made and, for a and b
     * one vector per row, both sums are matrix–vector products ({@link #weightedSum}).
     */
    private static NDArray splitSum(NDArray lambda, NDArray positive, NDArray a, NDArray b) {
        return a == b ? weightedSum(lambda, a) : weightedSum(lambda, b).add(weightedSum(positive, a.sub(b)));
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
     */
    private Bound forwardBound(int value, NDArray lambda, Bound bound, Interval[] boxes, RelaxationParameters parameters, String site) {
        NDArray l = lambda;
        Bound b = bound;
        long specs = l.getShape().get(1);
        for (int i = value - 1; i >= 0; i--) {
            long rows = l.getShape().get(0); // 1 while the specifications are still every row's
            if (isActivation(i)) {
                LinearRelaxation r = valueRelaxation(i, boxes[i], l, parameters, site);
                NDArray positive = l.maximum(k.of(0));
                b = b.plusConstant(splitSum(l, positive, perSpec(r.lowerOffset(), l), perSpec(r.upperOffset(), l)));
                l = splitProduct(l, positive, perSpec(r.lowerSlope(), l), perSpec(r.upperSlope(), l));
            } else {
                LinearMap map = model.linearMap(i);
                NDArray rowsOf = l.reshape(new Shape(rows * specs).addAll(new Shape(sampleShapes[i + 1])));
                NDArray offset = map.offset(rows * specs);
                if (offset != null) {
                    b = b.plusConstant(offsetTerm(rowsOf, offset).reshape(rows, specs));
                }
                l = map.adjoint(rowsOf)[0].reshape(new Shape(rows, specs).addAll(new Shape(sampleShapes[i])));
            }
        }
        return b.plusCoefficients(l);
    }

    /** The rounding margin, relative to the magnitude of a bound's terms. */
    private double margin() {
        return 16.0 * (model.size() + 1) * widest * Interval.ULP;
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
     * A lower bound of {@code Σ spec · δ_start} (δ₀ = g) as a linear function of the input: the specification's
     * coefficients move up the backward chain from δ_start to the seed e_c.
     *
     * @param parameters the McCormick plane weights and ReLU lower slopes to use; null for the defaults (weight ½,
     *     {@link LinearRelaxation}'s slopes)
     */
    private Bound gradientLowerBound(NDArray spec, int start, Interval[] boxes, Interval[] adjoints, NDArray classes,
            RelaxationParameters parameters) {
        long specs = spec.getShape().get(1);
        Bound bound = Bound.zero(spec.getManager(), spec.getShape().get(0), specs);
        NDArray lambda = spec;
        int nodes = model.size();
        NDArray half = k.of(0.5);
        for (int i = start; i < nodes; i++) {
            long rows = lambda.getShape().get(0); // 1 while the specifications are still every row's
            if (!isActivation(i)) {
                NDArray rowsOf = lambda.reshape(new Shape(rows * specs).addAll(new Shape(sampleShapes[i])));
                lambda = model.linearMap(i).linear(new NDArray[] {rowsOf})
                        .reshape(new Shape(rows, specs).addAll(new Shape(sampleShapes[i + 1])));
                continue;
            }
            // δ_i = d ⊙ δ_{i+1} with d = σ′(x_i) ∈ [dl, du] and δ_{i+1} ∈ [al, au]. McCormick's lower planes
            // dl·δ + al·d − dl·al and du·δ + au·d − du·au, and upper planes du·δ + al·d − du·al and dl·δ + au·d − dl·au;
            // each side mixes its two planes with weight β on the first (any β in [0, 1] is sound; ½ by default): both
            // sides then share the coefficient au + β·(al − au) on d.
            Interval d = ((ActivationRule) intervals.rule(i)).derivativeRange(boxes[i].lower(k), boxes[i].upper(k));
            NDArray dl = d.lower(k).expandDims(1);
            NDArray du = d.upper(k).expandDims(1);
            NDArray al = adjoints[i + 1].lower(k).expandDims(1);
            NDArray au = adjoints[i + 1].upper(k).expandDims(1);
            Shape perSpecification = new Shape(dl.getShape().get(0), specs).addAll(lambda.getShape().slice(2));
            NDArray beta = parameters == null ? half : parameters.at("product/" + i, () -> half.broadcast(perSpecification).duplicate());
            NDArray positive = lambda.maximum(k.of(0));
            NDArray lowerConstant = du.mul(au).add(dl.mul(al).sub(du.mul(au)).mul(beta)).neg();
            NDArray upperConstant = dl.mul(au).add(du.mul(al).sub(dl.mul(au)).mul(beta)).neg();
            bound = bound.plusConstant(splitSum(lambda, positive, lowerConstant, upperConstant));
            // the coefficient μ = λ·m on d, m = au + β·(al − au), has μ⁺ = λ⁺m⁺ + λ⁻m⁻ and μ⁻ = λ⁺m⁻ + λ⁻m⁺, so the
            // relaxation of d enters through λ⁺ and λ⁻ with m's signs folded into its per-element lines: μ is never made
            NDArray m = au.add(al.sub(au).mul(beta));
            NDArray mPositive = m.maximum(k.of(0));
            NDArray mNegative = m.minimum(k.of(0));
            LinearRelaxation r = derivativeRelaxation(i, boxes[i], d);
            NDArray lowerOffset = r.lowerOffset().expandDims(1);
            NDArray upperOffset = r.upperOffset().expandDims(1);
            bound = bound.plusConstant(splitSum(lambda, positive, mPositive.mul(lowerOffset).add(mNegative.mul(upperOffset)),
                    mNegative.mul(lowerOffset).add(mPositive.mul(upperOffset))));
            if (!LinearRelaxation.derivativeIsConstant((Activation) model.graph().nodes().get(i).op())) {
                // constant bounds of σ′ have slopes 0: nothing would flow down the forward pass but zeros
                NDArray lowerSlope = r.lowerSlope().expandDims(1);
                NDArray upperSlope = r.upperSlope().expandDims(1);
                NDArray toValue = splitProduct(lambda, positive, mPositive.mul(lowerSlope).add(mNegative.mul(upperSlope)),
                        mNegative.mul(lowerSlope).add(mPositive.mul(upperSlope)));
                bound = forwardBound(i, toValue, bound, boxes, parameters, "forward/" + i);
            }
            // the coefficient on δ: du + β·(dl − du) below (λ⁺), dl + β·(du − dl) above (λ⁻); both (dl + du)/2 at β = ½
            lambda = parameters == null ? lambda.mul(dl.add(du).mul(half))
                    : splitProduct(lambda, positive, du.add(dl.sub(du).mul(beta)), dl.add(du.sub(dl).mul(beta)));
        }
        NDArray oneHot = classes.oneHot((int) sampleShapes[nodes][0], DataType.FLOAT64).expandDims(1);
        return bound.plusConstant(lambda.mul(oneHot).sum(new int[] {2}));
    }

    @Override
    public void close() {
        intervals.close();
    }
}
