package dev.stabilis.certify;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.ActivationFunctions;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.GlobalAveragePool;
import dev.stabilis.graph.Layer;
import dev.stabilis.graph.LayerGraph;
import dev.stabilis.graph.Shapes;
import java.util.List;

/**
 * Interval bound propagation through the forward and backward pass of a layer graph (Wicker et al. 2022):
 * for a box of inputs it bounds every coordinate of the input gradient of a target score, batched on DJL
 * {@code NDArray}s in float64.
 *
 * <p>Forward intervals travel in centre–radius form: an affine layer L maps {@code (c, r)} to
 * {@code (L c, |L| r)}; an activation maps {@code [l, u]} to {@code [σ(l), σ(u)]} and records the range of σ′
 * over {@code [l, u]}. The backward pass starts from the seed of the target (e_c for a logit; e_c − p for a
 * log-probability, with p bounded by the softmax of the logit box), maps {@code (c, r)} through the adjoint
 * {@code (Lᵀ c, |L|ᵀ r)} of affine layers and multiplies by the derivative range at activations with an
 * interval product.
 *
 * <p>With a parameter box (every parameter θ of a dense, convolution or elementwise layer within
 * {@code θ ± γ|θ|}) the radius gains Rump's midpoint–radius term {@code γ (|L|(|c| + r) + |b|)} forward and
 * {@code γ |L|ᵀ(|c| + r)} backward.
 *
 * <p><b>Floating point.</b> Float32 weights convert to float64 exactly. A dot product of n terms computed in
 * float64 is off by at most {@code γ_n Σ|terms|} with {@code γ_n = n u / (1 − n u)}, u = 2⁻⁵³; every affine
 * step therefore adds {@code (n + 3)·2⁻⁵² (|L|(|c| + r) + |b|)} to the radius (n its fan-in), which exceeds
 * γ_{n+2} for any realistic n. Interval ends are widened by 2⁻⁵² of their magnitude before they are used, and
 * activation values and derivative ranges by 2⁻⁴⁸ relative (a few ulp of libtorch's float64 exp and tanh).
 */
public final class GradientBounds implements AutoCloseable {

    private static final double ULP = 0x1p-52;
    private static final double FUNCTION_ULPS = 0x1p-48;

    private final LayerGraph graph;
    private final GraphModel center;
    private final GraphModel magnitude;
    private final double[] roundingSlack;
    private final NDArray[] offsetMagnitude;

    private GradientBounds(LayerGraph graph, GraphModel center, GraphModel magnitude) {
        this.graph = graph;
        this.center = center;
        this.magnitude = magnitude;
        List<long[]> shapes = graph.shapes();
        this.roundingSlack = new double[graph.layers().size()];
        this.offsetMagnitude = new NDArray[graph.layers().size()];
        for (int i = 0; i < roundingSlack.length; i++) {
            Layer layer = graph.layers().get(i);
            roundingSlack[i] = (fanIn(layer, shapes.get(i)) + 3) * ULP;
            if (layer.isAffine()) {
                NDArray zeros = center.manager().zeros(new Shape(Shapes.withBatch(1, shapes.get(i))), DataType.FLOAT64);
                offsetMagnitude[i] = center.forward(i, zeros).abs();
            }
        }
    }

    /** Prepares bound propagation for a graph on a device. */
    public static GradientBounds load(LayerGraph graph, Device device) {
        GraphModel center = GraphModel.load(graph, device, DataType.FLOAT64);
        try {
            return new GradientBounds(graph, center, GraphModel.load(graph.magnitude(), device, DataType.FLOAT64));
        } catch (RuntimeException e) {
            center.close();
            throw e;
        }
    }

    /**
     * Bound propagation with given float64 models of the graph and of its {@link LayerGraph#magnitude()}; with
     * models on trainable arrays ({@link GraphModel#withDenseArrays}) the bounds are differentiable with respect
     * to them. The bounds own both models.
     */
    public static GradientBounds of(LayerGraph graph, GraphModel center, GraphModel magnitude) {
        return new GradientBounds(graph, center, magnitude);
    }

    /** The graph whose gradient is bounded. */
    public LayerGraph graph() {
        return graph;
    }

    /** The float64 model of the graph: point gradients and logits for reference. */
    public GraphModel model() {
        return center;
    }

    /**
     * Bounds the gradient of each row's target score over the boxes {@code [lower, upper]}.
     *
     * @param lower {@code [N, inputShape...]} lower corners
     * @param upper upper corners
     * @param classes {@code [N]} int64 target classes (fixed, not re-predicted inside the box)
     * @param kind logit or log-probability
     * @param gamma relative parameter radius γ ≥ 0 (0: parameters exact)
     */
    public IntervalBounds bounds(NDArray lower, NDArray upper, NDArray classes, TargetKind kind, double gamma) {
        int depth = graph.layers().size();
        NDArray lo0 = lower.toType(DataType.FLOAT64, false);
        NDArray hi0 = upper.toType(DataType.FLOAT64, false);
        NDArray c = lo0.add(hi0).divi(2);
        NDArray r = hi0.sub(lo0).divi(2).addi(lo0.abs().addi(hi0.abs()).muli(ULP));
        Constants k = new Constants(lower.getManager());
        NDArray[] preLower = new NDArray[depth];
        NDArray[] preUpper = new NDArray[depth];
        for (int i = 0; i < depth; i++) {
            Layer layer = graph.layers().get(i);
            if (layer.isAffine()) {
                double slack = roundingSlack[i] + (layer.hasParameters() ? gamma : 0);
                // |L| r + slack (|L|(|c| + r) + |b|) = |L|((1 + slack) r + slack |c|) + slack |b|: one pass
                NDArray nextR = magnitude.forward(i, r.mul(k.of(1 + slack)).addi(c.abs().muli(k.of(slack))));
                // slack |b| belongs to the model's manager, not the caller's: freed here, or it would live as long as the model
                try (NDArray offset = offsetMagnitude[i].mul(k.of(slack))) {
                    nextR.addi(offset);
                }
                c = center.forward(i, c);
                r = nextR;
            } else {
                NDArray[] ends = widenedEnds(c, r, k);
                preLower[i] = ends[0];
                preUpper[i] = ends[1];
                NDArray a = center.forward(i, ends[0]);
                NDArray b = center.forward(i, ends[1]);
                c = a.add(b).muli(k.of(0.5));
                r = b.sub(a).muli(k.of(0.5));
                if (((Activation) layer).kind() != Activation.Kind.RELU) {
                    r.addi(a.abs().addi(b.abs()).muli(k.of(FUNCTION_ULPS))); // max(z, 0) is exact; the others round
                }
            }
        }
        NDArray logitLower = c.sub(r);
        NDArray logitUpper = c.add(r);
        NDArray[] seed = seed(logitLower, logitUpper, classes, kind, k);
        NDArray dc = seed[0];
        NDArray dr = seed[1];
        for (int i = depth - 1; i >= 0; i--) {
            Layer layer = graph.layers().get(i);
            if (layer.isAffine()) {
                double slack = roundingSlack[i] + (layer.hasParameters() ? gamma : 0);
                NDArray nextR = magnitude.backward(i, dr.mul(k.of(1 + slack)).addi(dc.abs().muli(k.of(slack))), null, null);
                dc = center.backward(i, dc, null, null);
                dr = nextR;
            } else {
                Activation activation = (Activation) layer;
                NDArray[] d = derivativeRange(activation, preLower[i], preUpper[i], k);
                NDArray vl = dc.sub(dr);
                NDArray vu = dc.add(dr);
                NDArray p1 = d[0].mul(vl);
                NDArray p2 = d[0].mul(vu);
                NDArray p3 = d[1].mul(vl);
                NDArray p4 = d[1].mul(vu);
                NDArray lo = NDArrays.minimum(NDArrays.minimum(p1, p2), NDArrays.minimum(p3, p4));
                NDArray hi = NDArrays.maximum(NDArrays.maximum(p1, p2), NDArrays.maximum(p3, p4));
                dc = lo.add(hi).muli(k.of(0.5));
                dr = hi.sub(lo).muli(k.of(0.5)).addi(lo.abs().addi(hi.abs()).muli(k.of(ULP)));
            }
        }
        return new IntervalBounds(dc.sub(dr), dc.add(dr), logitLower, logitUpper);
    }

    /** {@code [c − r, c + r]} rounded outward. */
    private static NDArray[] widenedEnds(NDArray c, NDArray r, Constants k) {
        NDArray margin = c.abs().addi(r).muli(k.of(ULP));
        return new NDArray[] {c.sub(r).subi(margin), c.add(r).addi(margin)};
    }

    /**
     * The range of σ′ over {@code [lo, hi]}, widened outward. ReLU's derivative is monotone and exactly 0 or 1,
     * so its range is {@code [σ′(lo), σ′(hi)]} as computed.
     */
    private static NDArray[] derivativeRange(Activation layer, NDArray lo, NDArray hi, Constants k) {
        NDArray atLo = ActivationFunctions.derivative(layer.kind(), layer.alpha(), lo);
        NDArray atHi = ActivationFunctions.derivative(layer.kind(), layer.alpha(), hi);
        if (layer.kind() == Activation.Kind.RELU) {
            return new NDArray[] {atLo, atHi};
        }
        NDArray min = NDArrays.minimum(atLo, atHi);
        NDArray max = NDArrays.maximum(atLo, atHi);
        double peak = ActivationFunctions.derivativePeak(layer.kind());
        if (!Double.isNaN(peak)) {
            NDArray straddles = lo.lte(0).logicalAnd(hi.gte(0));
            max = NDArrays.where(straddles, max.onesLike().muli(peak), max);
        }
        return new NDArray[] {min.sub(min.abs().muli(k.of(FUNCTION_ULPS))), max.add(max.abs().muli(k.of(FUNCTION_ULPS)))};
    }

    /**
     * The backward seed in centre–radius form: e_c for a logit; e_c − p for a log-probability with
     * {@code p_j ∈ [1/(1 + Σ_{k≠j} e^{yU_k − yL_j}), 1/(1 + Σ_{k≠j} e^{yL_k − yU_j})]}.
     */
    private static NDArray[] seed(NDArray yL, NDArray yU, NDArray classes, TargetKind kind, Constants k) {
        int numClasses = (int) yL.getShape().get(1);
        NDArray oneHot = classes.oneHot(numClasses, DataType.FLOAT64);
        if (kind == TargetKind.LOGIT) {
            return new NDArray[] {oneHot, oneHot.zerosLike()};
        }
        NDArray pLower = softmaxBound(yU, yL, numClasses);
        NDArray pUpper = softmaxBound(yL, yU, numClasses);
        NDArray dc = oneHot.sub(pLower.add(pUpper).muli(k.of(0.5)));
        NDArray dr = pUpper.sub(pLower).muli(k.of(0.5)).addi(pLower.add(pUpper).muli(k.of(FUNCTION_ULPS)));
        return new NDArray[] {dc, dr};
    }

    /** {@code 1 / (1 + Σ_{k≠j} exp(others_k − own_j))} per class j, via a log-sum-exp. */
    private static NDArray softmaxBound(NDArray others, NDArray own, int numClasses) {
        NDArray diff = others.expandDims(1).sub(own.expandDims(2));
        NDArray diagonal = own.getManager().eye(numClasses).toType(DataType.BOOLEAN, false).expandDims(0);
        diff = NDArrays.where(diagonal.broadcast(diff.getShape()), diff.onesLike().muli(Double.NEGATIVE_INFINITY), diff);
        NDArray lse = diff.max(new int[] {2}, true);
        NDArray logSum = diff.sub(lse).exp().sum(new int[] {2}, true).log().add(lse).squeeze(2);
        return ai.djl.nn.Activation.sigmoid(logSum.neg());
    }

    /**
     * The constants of one bound pass as float64 arrays of the caller's manager, which outlive the pass. A product
     * with a Java number would make DJL build a tensor over a Java buffer and release it when the product returns;
     * autograd keeps that tensor for its backward pass, so training through the bounds (hardening) would read
     * freed memory.
     */
    private static final class Constants {
        private final NDManager manager;
        private final java.util.Map<Double, NDArray> arrays = new java.util.HashMap<>();

        Constants(NDManager manager) {
            this.manager = manager;
        }

        NDArray of(double value) {
            return arrays.computeIfAbsent(value, v -> manager.create(v.doubleValue()));
        }
    }

    /** The number of terms one output of an affine layer sums (0 for exact data movement). */
    private static long fanIn(Layer layer, long[] inputShape) {
        if (layer instanceof Dense d) {
            return d.inputs() + 1;
        }
        if (layer instanceof Conv2d conv) {
            long[] w = conv.weight().shape();
            return w[1] * w[2] * w[3] + 1;
        }
        if (layer instanceof AveragePool2d pool) {
            return (long) pool.kernel()[0] * pool.kernel()[1] + 1;
        }
        if (layer instanceof GlobalAveragePool) {
            return Shapes.size(inputShape) / inputShape[0];
        }
        if (layer instanceof ElementwiseAffine) {
            return 2;
        }
        return 0;
    }

    @Override
    public void close() {
        center.close();
        magnitude.close();
    }
}
