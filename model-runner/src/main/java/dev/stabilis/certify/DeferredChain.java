package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.LinearMap;
import dev.stabilis.engine.Scalars;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.List;

/**
 * The coefficients λ of the specifications {@code [I; −I]} on a value of {@link LinearGradientBounds}' backward chain,
 * kept as a product {@code λ = S·P}: S made, every row's ({@code [1, held, sample...]}, the specifications of I; those
 * of −I are their negations), and P the steps up the chain since the first per-row one (affine maps and per-row
 * scales), not applied. A sum {@code Σ λ·v} is {@code Σ S·(Pᵀv)}: v moves down P, a matrix–vector product per map
 * instead of one matrix product per specification, and λ itself is made only at the columns a step needs
 * ({@link #positiveSums}).
 *
 * <p>Rounding: nothing is rounded when a step is deferred. A sum is a float64 evaluation of nested sums of products
 * whose exact value is {@code Σ λ·v} for the exact λ = S·P; it errs by at most {@code γ_N} of {@link #absoluteSums}
 * of |v|, N the terms of the nested sums together, which is at most {@link #depth} sums of the widest value's terms.
 * The caller adds that, scaled, to its bound's magnitude.
 */
final class DeferredChain {

    /** The widest {@code w_out × w_in} table of an adjoint made whole to pick λ's columns from ({@link #unitsDown}). */
    private static final long ADJOINT_TABLE_LIMIT = 1L << 22;

    private NDArray s;
    private final long held;
    private final Scalars k;
    private final List<Step> steps = new ArrayList<>();

    /** A deferred step: an affine map from {@code in} to {@code out}, or a per-row scale {@code [rows, 1, sample...]}. */
    private record Step(LinearMap map, long[] in, long[] out, NDArray scale) {
    }

    private DeferredChain(NDArray s, Scalars k) {
        this.s = s;
        this.held = s.getShape().get(1);
        this.k = k;
    }

    /** The specifications {@code [I; −I]} on a value of this sample shape, nothing deferred. */
    static DeferredChain identities(NDManager manager, long[] sampleShape, Scalars k) {
        long width = Shapes.size(sampleShape);
        NDArray eye = manager.eye((int) width).toType(DataType.FLOAT64, false);
        return new DeferredChain(eye.reshape(new Shape(1, width).addAll(new Shape(sampleShape))), k);
    }

    /** How many specifications the chain stands for: those of I and of −I. */
    long specs() {
        return 2 * held;
    }

    /** Whether a step is deferred: S is then no longer updated. */
    boolean isDeferring() {
        return !steps.isEmpty();
    }

    /** The nested sums one evaluation makes, at most: one per deferred step and the product with S. */
    int depth() {
        return steps.size() + 1;
    }

    /** λ ← L(λ), made on S while nothing is deferred (its rounding is the caller's to count), deferred after. */
    void map(LinearMap map, long[] in, long[] out) {
        if (isDeferring()) {
            steps.add(new Step(map, in, out, null));
            return;
        }
        s = map.linear(new NDArray[] {s.reshape(new Shape(held).addAll(new Shape(in)))}).reshape(new Shape(1, held).addAll(new Shape(out)));
    }

    /** λ ← λ ⊙ c for a per-row c, {@code [rows, 1, sample...]}: deferred. */
    void scale(NDArray c) {
        steps.add(new Step(null, null, null, c));
    }

    /** {@code Σ λ·v} for each of m vectors v ({@code [rows or 1, m, sample...]}), {@code [rows, specs, m]}. */
    NDArray sums(NDArray vs) {
        NDArray sums = times(s, down(vs, false));
        return NDArrays.concat(new NDList(sums, sums.neg()), 1);
    }

    /** {@code Σ |λ|·v} over the exact λ, at most, for v ≥ 0 ({@code [rows or 1, 1, sample...]}): {@code [rows, specs]}. */
    NDArray absoluteSums(NDArray v) {
        NDArray sums = times(s.abs(), down(v, true)).squeeze(2);
        return NDArrays.concat(new NDList(sums, sums), 1);
    }

    /**
     * {@code Σ λ⁺·w} for each of m vectors w ({@code [rows, m, sample...]}), {@code [rows, specs, m]}: λ is made only at
     * the columns where some w is not 0, the most of any row (one count read to the host); rows with fewer take
     * columns where every w is 0, which add nothing. λ made there is off the exact one by its rounding, and so is
     * max(λ, 0); the caller counts that with the sums' own.
     */
    NDArray positiveSums(NDArray ws) {
        long rows = ws.getShape().get(0);
        long m = ws.getShape().get(1);
        NDArray flat = ws.reshape(rows, m, -1);
        NDArray columns = LinearGradientBounds.flagged(flat.neq(k.of(0)).toType(DataType.INT32, false).max(new int[] {1}));
        long count = columns.getShape().get(1);
        if (count == 0) {
            return ws.getManager().zeros(new Shape(rows, specs(), m), DataType.FLOAT64);
        }
        NDArray at = at(columns); // [rows, held, count]
        NDArray positive = NDArrays.concat(new NDList(at.maximum(k.of(0)), at.neg().maximum(k.of(0))), 1);
        NDArray weights = flat.gather(columns.expandDims(1).broadcast(new Shape(rows, m, count)), 2);
        return positive.matMul(weights.transpose(0, 2, 1));
    }

    /** λ of I's specifications at per-row columns ({@code [rows, u]} int64 indices), {@code [rows, held, u]}. */
    private NDArray at(NDArray columns) {
        long rows = columns.getShape().get(0);
        long u = columns.getShape().get(1);
        if (!isDeferring()) {
            return s.reshape(held, -1).transpose().get(columns.reshape(-1)).reshape(rows, u, held).transpose(0, 2, 1);
        }
        return times(s, unitsDown(columns));
    }

    /**
     * The unit vectors of the columns moved down P, {@code [rows, u, S's sample...]}: through the last map by picking
     * rows of its adjoint applied once to the identity where that table is small, as one-hot vectors otherwise.
     */
    private NDArray unitsDown(NDArray columns) {
        long rows = columns.getShape().get(0);
        long u = columns.getShape().get(1);
        Step last = steps.get(steps.size() - 1);
        long width = last.map() == null ? last.scale().getShape().size() / last.scale().getShape().get(0) : Shapes.size(last.out());
        NDArray units;
        int remaining = steps.size();
        if (last.map() != null && width * Shapes.size(last.in()) <= ADJOINT_TABLE_LIMIT) {
            NDArray eye = columns.getManager().eye((int) width).toType(DataType.FLOAT64, false);
            NDArray table = last.map().adjoint(eye.reshape(new Shape(width).addAll(new Shape(last.out()))))[0].reshape(width, -1);
            units = table.get(columns.reshape(-1)).reshape(new Shape(rows, u).addAll(new Shape(last.in())));
            remaining--;
        } else {
            units = columns.oneHot((int) width, DataType.FLOAT64);
        }
        return down(units, false, remaining);
    }

    private NDArray down(NDArray vs, boolean magnitude) {
        return down(vs, magnitude, steps.size());
    }

    /** Vectors {@code [rows, m, sample...]} moved down the first {@code count} deferred steps: Pᵀv, or |P|ᵀv. */
    private NDArray down(NDArray vs, boolean magnitude, int count) {
        NDArray v = vs;
        for (int j = count - 1; j >= 0; j--) {
            Step step = steps.get(j);
            long rows = v.getShape().get(0);
            long m = v.getShape().get(1);
            if (step.map() == null) {
                NDArray c = step.scale().reshape(step.scale().getShape().get(0), 1, -1);
                v = v.reshape(rows, m, -1).mul(magnitude ? c.abs() : c);
                continue;
            }
            NDArray in = v.reshape(new Shape(rows * m).addAll(new Shape(step.out())));
            NDArray out = magnitude ? step.map().magnitudeAdjoint(in)[0] : step.map().adjoint(in)[0];
            v = out.reshape(new Shape(rows, m).addAll(new Shape(step.in())));
        }
        return v;
    }

    /**
     * {@code Σ S·p} of each vector p ({@code [rows, m, S's sample...]}) and each specification of I, for S or |S|:
     * {@code [rows, held, m]}.
     */
    private NDArray times(NDArray coefficients, NDArray pushed) {
        long rows = pushed.getShape().get(0);
        long m = pushed.getShape().get(1);
        return pushed.reshape(rows * m, -1).matMul(coefficients.reshape(held, -1).transpose()).reshape(rows, m, held).transpose(0, 2, 1);
    }
}
