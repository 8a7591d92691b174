package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.PoolWindows;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;

/**
 * Maxima over windows (max pooling, ReduceMax). Forward: {@code [max_p l_p, max_p u_p]} per window, exact. Backward:
 * a tap can be the maximum iff {@code u_p ≥ max_q l_q} (ties count); where exactly one tap can, the adjoint flows
 * to it unchanged, otherwise each candidate receives the hull {@code [min(0, g_l), max(0, g_u)]} and the others 0;
 * the taps' adjoints are added back onto the input positions they read (overlapping windows add up).
 */
final class MaxRule implements IntervalRule {

    private final GraphModel model;
    private final int node;
    private final PoolWindows windows;
    private final Scalars k;

    MaxRule(GraphModel model, int node) {
        this.model = model;
        this.node = node;
        this.windows = model.poolWindows(node);
        this.k = model.scalars();
    }

    @Override
    public Interval forward(Interval[] in, long batch, double gamma) {
        NDArray lo = model.forward(node, new NDArray[] {in[0].lower(k)}, batch);
        NDArray hi = model.forward(node, new NDArray[] {in[0].upper(k)}, batch);
        return Interval.ofEnds(lo, hi, k);
    }

    @Override
    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
        NDArray lowTaps = windows.windows(in[0].lower(k));
        NDArray highTaps = windows.windows(in[0].upper(k));
        NDArray best = lowTaps.max(new int[] {-1}, true);
        NDArray candidate = highTaps.gte(best);
        NDArray unique = candidate.toType(lowTaps.getDataType(), false).sum(new int[] {-1}, true).eq(k.of(1));
        NDArray gl = windows.toTaps(adjoint.lower(k), lowTaps).expandDims(-1);
        NDArray gu = windows.toTaps(adjoint.upper(k), lowTaps).expandDims(-1);
        NDArray zero = k.of(0);
        NDArray tapLow = Tensors.where(candidate, Tensors.where(unique, gl, gl.minimum(zero)), zero);
        NDArray tapHigh = Tensors.where(candidate, Tensors.where(unique, gu, gu.maximum(zero)), zero);
        Interval taps = Interval.ofEnds(tapLow, tapHigh, k);
        long fold = lowTaps.getShape().get(lowTaps.getShape().dimension() - 1);
        Interval folded = new Interval(windows.fold(taps.c()), windows.fold(taps.r()));
        return new Interval[] {folded.widened((fold + 3) * Interval.ULP, k).sanitized(k)};
    }
}
