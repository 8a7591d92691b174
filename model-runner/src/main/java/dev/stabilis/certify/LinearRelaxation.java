package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import dev.stabilis.engine.ActivationFunctions;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Activation.Kind;

/**
 * Linear lower and upper bounds of an elementwise function f over boxes {@code [l, u]}:
 * {@code aL·z + bL ≤ f(z) ≤ aU·z + bU} for every z in the box, where f is an activation σ or its derivative σ′.
 *
 * <ul>
 *   <li>ReLU and LeakyReLU: CROWN's triangle (chord above; the line through 0 of either slope below, whichever leaves
 *       less area).</li>
 *   <li>Sigmoid, tanh, softplus, exp and the derivatives softplus′ = sigmoid and exp′ = exp: two lines parallel to
 *       the chord, offset to the smallest and largest value of {@code f(z) − k·z} on the box, found at the ends and
 *       where {@code f′(z) = k}, which these functions solve in closed form.</li>
 *   <li>Everything else, the steps ReLU′ and LeakyReLU′ included: the constant bounds of the interval rule, the range
 *       of f over the box. (Lines through a step's corners measured looser: on the digits ReLU MLP they certified the
 *       top-5 set of 26.6 % of samples at ε = 0.005, the constants 29.7 %.)</li>
 * </ul>
 * Values of f and offsets are widened outward as in {@link Interval}.
 *
 * @param lowerSlope aL
 * @param lowerOffset bL
 * @param upperSlope aU
 * @param upperOffset bU
 */
record LinearRelaxation(NDArray lowerSlope, NDArray lowerOffset, NDArray upperSlope, NDArray upperOffset) {

    /** Bounds of σ over {@code [l, u]}; {@code range} is σ's interval range there (the fallback). */
    static LinearRelaxation ofValue(Activation op, ActivationFunctions f, NDArray l, NDArray u, Interval range, Scalars k) {
        return switch (op.kind()) {
            case RELU -> piecewiseLinear(l, u, 0, 1, k);
            case LEAKY_RELU -> piecewiseLinear(l, u, op.alpha(), 1, k);
            case SIGMOID -> parallelChord(l, u, f::value, z -> sigmoidSlopePoints(z, k), k);
            case TANH -> parallelChord(l, u, f::value, slope -> tanhSlopePoints(slope, k), k);
            case SOFTPLUS -> parallelChord(l, u, f::value, slope -> new NDArray[] {logit(slope, k)}, k);
            case EXP -> parallelChord(l, u, f::value, slope -> new NDArray[] {slope.log()}, k);
            default -> constant(range, k);
        };
    }

    /** Bounds of σ′ over {@code [l, u]}; {@code range} is σ′'s interval range there (the fallback). */
    static LinearRelaxation ofDerivative(Activation op, ActivationFunctions f, NDArray l, NDArray u, Interval range, Scalars k) {
        if (derivativeIsConstant(op)) {
            return constant(range, k);
        }
        return switch (op.kind()) {
            case SOFTPLUS -> parallelChord(l, u, f::derivative, slope -> sigmoidSlopePoints(slope, k), k);
            default -> parallelChord(l, u, f::derivative, slope -> new NDArray[] {slope.log()}, k); // EXP
        };
    }

    /**
     * Whether {@link #ofDerivative} bounds σ′ by constants (slopes 0) for this activation: everything but softplus and
     * exp, whose derivatives get chord-parallel lines.
     */
    static boolean derivativeIsConstant(Activation op) {
        return op.kind() != Kind.SOFTPLUS && op.kind() != Kind.EXP;
    }

    private static LinearRelaxation constant(Interval range, Scalars k) {
        return constant(range.lower(k), range.upper(k));
    }

    /** The lines of slope 0 through {@code lower} and {@code upper}: σ′ bounded by the ends of its range. */
    static LinearRelaxation constant(NDArray lower, NDArray upper) {
        NDArray zero = lower.zerosLike();
        return new LinearRelaxation(zero, lower, zero, upper);
    }

    /**
     * {@code f(z) = a·z} for z ≤ 0 and {@code b·z} above (ReLU: a = 0, b = 1; with a ≤ b f is convex, otherwise −f
     * is): exact on
     * boxes of one sign; on boxes around 0 the chord above, and below the line through 0 of slope a or b, whichever
     * leaves less area ({@code b} when {@code u > −l}).
     */
    private static LinearRelaxation piecewiseLinear(NDArray l, NDArray u, double a, double b, Scalars k) {
        if (a > b) {
            return piecewiseLinear(l, u, -a, -b, k).negated();
        }
        NDArray positive = l.gte(k.of(0));
        NDArray negative = u.lte(k.of(0));
        NDArray fl = l.mul(k.of(a));
        NDArray fu = u.mul(k.of(b));
        NDArray width = u.sub(l);
        NDArray chord = Tensors.where(width.gt(k.of(0)), fu.sub(fl).div(width.maximum(k.of(Double.MIN_NORMAL))), k.of(a));
        NDArray chordOffset = fl.sub(chord.mul(l));
        NDArray mixedLower = Tensors.where(u.gt(l.neg()), k.of(b), k.of(a));
        NDArray lowerSlope = Tensors.where(positive, k.of(b), Tensors.where(negative, k.of(a), mixedLower));
        NDArray upperSlope = Tensors.where(positive, k.of(b), Tensors.where(negative, k.of(a), chord));
        NDArray upperOffset = Tensors.where(positive.logicalOr(negative), k.of(0), chordOffset);
        NDArray lowerOffset = l.zerosLike();
        return widened(lowerSlope, lowerOffset, upperSlope, upperOffset, l, u, k);
    }

    /**
     * Whether σ is linear on each side of 0 with its one kink there (ReLU, LeakyReLU): on a box that excludes 0 both
     * σ's relaxation and σ′'s range are exact, whatever the box's width.
     */
    static boolean isLinearOnEachSideOfZero(Activation op) {
        return op.kind() == Kind.RELU || op.kind() == Kind.LEAKY_RELU;
    }

    /**
     * Whether {@link #withLowerSlope} applies to the activation: ReLU, and LeakyReLU with slope at most 1 below 0
     * (f convex), whose lower line through 0 may take any slope between the two pieces' on boxes around 0.
     */
    static boolean hasFreeLowerSlope(Activation op) {
        return op.kind() == Kind.RELU || (op.kind() == Kind.LEAKY_RELU && op.alpha() <= 1);
    }

    /**
     * The ReLU or LeakyReLU relaxation over {@code [l, u]} ({@code [rows, sample...]}) with, on boxes around 0, the
     * lower line through 0 of slope {@code a + θ·(1 − a)} (a: the slope below 0) per specification: θ is
     * {@code [rows, specs, sample...]} and, in [0, 1], keeps the line below f (f is convex and the line passes through
     * its kink). Boxes of one sign keep their exact line. Every array of the result has the specification axis.
     */
    static LinearRelaxation withLowerSlope(Activation op, NDArray l, NDArray u, NDArray theta, Scalars k) {
        double a = op.kind() == Kind.RELU ? 0 : op.alpha();
        LinearRelaxation exact = piecewiseLinear(l, u, a, 1, k);
        NDArray l1 = l.expandDims(1);
        NDArray u1 = u.expandDims(1);
        NDArray aroundZero = l1.lt(k.of(0)).logicalAnd(u1.gt(k.of(0)));
        NDArray slope = Tensors.where(aroundZero, theta.mul(k.of(1 - a)).add(k.of(a)), exact.lowerSlope().expandDims(1));
        NDArray margin = slope.abs().mul(l1.abs().maximum(u1.abs())).mul(k.of(4 * Interval.FUNCTION_ULPS));
        return new LinearRelaxation(slope, margin.neg(), exact.upperSlope().expandDims(1), exact.upperOffset().expandDims(1));
    }

    /** The θ of {@link #withLowerSlope} that gives the default relaxation's lower slope, {@code [rows, sample...]}. */
    static NDArray defaultLowerSlopeChoice(NDArray l, NDArray u, Scalars k) {
        return Tensors.where(u.gt(l.neg()), k.of(1), k.of(0));
    }

    /** The relaxation of −f: the negated upper line below, the negated lower line above. */
    private LinearRelaxation negated() {
        return new LinearRelaxation(upperSlope.neg(), upperOffset.neg(), lowerSlope.neg(), lowerOffset.neg());
    }

    /** Interior points where f′ equals the given slope, or an array per solution (NaN where none). */
    private interface SlopePoints {
        NDArray[] at(NDArray slope);
    }

    /**
     * Lines of the chord's slope k through the smallest and largest value of {@code h(z) = f(z) − k·z} on the box,
     * which lie at the ends or where f′(z) = k.
     */
    private static LinearRelaxation parallelChord(NDArray l, NDArray u, java.util.function.UnaryOperator<NDArray> f,
            SlopePoints points, Scalars k) {
        NDArray fl = f.apply(l);
        NDArray fu = f.apply(u);
        NDArray width = u.sub(l);
        NDArray slope = Tensors.where(width.gt(k.of(0)), fu.sub(fl).div(width.maximum(k.of(Double.MIN_NORMAL))), k.of(0));
        NDArray hl = fl.sub(slope.mul(l));
        NDArray hu = fu.sub(slope.mul(u));
        NDArray low = NDArrays.minimum(hl, hu);
        NDArray high = NDArrays.maximum(hl, hu);
        for (NDArray z : points.at(slope)) {
            NDArray inside = z.gt(l).logicalAnd(z.lt(u));
            NDArray safe = Tensors.where(inside, z, l);
            NDArray h = f.apply(safe).sub(slope.mul(safe));
            low = Tensors.where(inside, low.minimum(h), low);
            high = Tensors.where(inside, high.maximum(h), high);
        }
        return widened(slope, low, slope, high, l, u, k);
    }

    /** Where sigmoid′ = s(1 − s) equals the slope: s = (1 ± √(1 − 4·slope)) / 2, z = logit(s). */
    private static NDArray[] sigmoidSlopePoints(NDArray slope, Scalars k) {
        NDArray root = Tensors.minus(k.of(1), slope.mul(k.of(4))).sqrt();
        NDArray high = root.add(k.of(1)).mul(k.of(0.5));
        NDArray low = Tensors.minus(k.of(1), high);
        return new NDArray[] {logit(high, k), logit(low, k)};
    }

    /** Where tanh′ = 1 − t² equals the slope: t = ±√(1 − slope), z = atanh(t). */
    private static NDArray[] tanhSlopePoints(NDArray slope, Scalars k) {
        NDArray t = Tensors.minus(k.of(1), slope).sqrt();
        NDArray z = t.add(k.of(1)).div(Tensors.minus(k.of(1), t)).log().mul(k.of(0.5));
        return new NDArray[] {z, z.neg()};
    }

    private static NDArray logit(NDArray p, Scalars k) {
        return p.div(Tensors.minus(k.of(1), p)).log();
    }

    /**
     * The lines with offsets widened for rounding: a few ulp of the function values (the offsets come from them) plus
     * the rounding of {@code slope·z} over the box.
     */
    private static LinearRelaxation widened(NDArray lowerSlope, NDArray lowerOffset, NDArray upperSlope, NDArray upperOffset,
            NDArray l, NDArray u, Scalars k) {
        NDArray scale = l.abs().maximum(u.abs());
        NDArray lowerMargin = lowerOffset.abs().add(lowerSlope.abs().mul(scale)).mul(k.of(4 * Interval.FUNCTION_ULPS));
        NDArray upperMargin = upperOffset.abs().add(upperSlope.abs().mul(scale)).mul(k.of(4 * Interval.FUNCTION_ULPS));
        return new LinearRelaxation(lowerSlope, lowerOffset.sub(lowerMargin), upperSlope, upperOffset.add(upperMargin));
    }
}
