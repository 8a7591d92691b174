package dev.stabilis.certify;

import static dev.stabilis.certify.Interval.ULP;

import dev.stabilis.engine.HostDenseNetwork;
import dev.stabilis.engine.HostThreads;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The interval method for a dense ReLU network on the host ({@link HostDenseNetwork}), for calls of up to
 * {@link #MAX_MULTIPLY_ADDS} multiply-adds per thread, with the point gradients of the predicted logits.
 *
 * <p>The arithmetic is the tensor pass's, operation for operation: {@link AffineRule}'s centre–radius map with its
 * rounding slack, ReLU's box and adjoint of {@link ActivationRule}, the outward-rounded ends of {@link Interval}, and
 * the non-finite cleanup of {@link Interval#sanitized} after every rule (the identity on the proven-finite boxes of
 * the tensor pass, so cheap here that it always runs). Only the dot products sum in another order than the engine's
 * matrix products; the slack covers any order ({@code γ_n}), so both are sound and they agree to rounding.
 */
final class HostIntervalPass {

    /**
     * Rows × multiply-adds per row up to which one thread's share of a certify call runs here rather than as tensor ops
     * ({@link HostThreads}): 2²², 160 rows of the digits MLP (26 k multiply-adds per row), 6 of the 784-512-512-10 MLP
     * (668 k). On a 2-vCPU machine a host certify of the digits MLP took 0.03 ms per row on two threads from 32 to 1,024
     * rows, 1.7–2.3× the tensor ops' rate; on the wide MLP the host was 1.4–1.7× faster at 4 rows, 0.8–1.0× at 16
     * and 0.4× at 256, its 21 MB of weight copies outgrowing the caches (BENCHMARKS.md, "Certify on host threads").
     */
    static final long MAX_MULTIPLY_ADDS = 1L << 22;

    /** The largest network taken, in multiply-adds per row: 2²⁰, above the wide MLP measured; larger ones were not. */
    static final long MAX_ROW_MULTIPLY_ADDS = 1L << 20;

    private final HostDenseNetwork network;
    private final List<HostDenseNetwork.Layer> layers;

    private HostIntervalPass(HostDenseNetwork network) {
        this.network = network;
        this.layers = network.layers();
    }

    /**
     * The host pass of interval bounds on their graph's own constants and rules ({@link IntervalGradientBounds#hostPass}),
     * else empty: the linear method, a model on trainable arrays and swapped rules keep their own pass.
     */
    static Optional<HostIntervalPass> of(GradientBounds bounds) {
        return bounds instanceof IntervalGradientBounds interval ? interval.hostPass() : Optional.empty();
    }

    /** The host pass of a graph that is a dense ReLU network of at most {@link #MAX_ROW_MULTIPLY_ADDS} per row, else empty. */
    static Optional<HostIntervalPass> on(Graph graph) {
        return HostDenseNetwork.of(graph, MAX_ROW_MULTIPLY_ADDS).map(HostIntervalPass::new);
    }

    /**
     * The threads a call of {@code rows} rows takes here ({@link HostThreads#forRows}), or 0 when it is computed as tensor
     * ops: each thread's share of rows at most {@link #MAX_MULTIPLY_ADDS}.
     */
    int threadsFor(int rows) {
        int threads = HostThreads.forRows(rows, network.multiplyAddsPerRow());
        return network.fits((rows + threads - 1) / threads, MAX_MULTIPLY_ADDS) ? threads : 0;
    }

    /**
     * Bounds over boxes, flat like {@link IntervalBounds}: the target logit's input gradient and every logit, with
     * rounded-outward ends.
     */
    record Bounds(double[] gradientLower, double[] gradientUpper, double[] logitLower, double[] logitUpper) {}

    /** The predicted classes (first largest logits) and their logits' gradients at {@code rows} flat rows {@code x}. */
    HostDenseNetwork.RowGradients point(double[] x, int rows) {
        return network.gradients(x, rows, null, TargetKind.LOGIT);
    }

    /**
     * Bounds on the gradient of each row's class logit and on the logits over the boxes {@code [lower, upper]}.
     *
     * @param gamma relative parameter radius γ ≥ 0 (0: parameters exact)
     */
    Bounds bounds(double[] lower, double[] upper, int[] classes, int rows, double gamma) {
        int inputs = network.inputs();
        int outputs = network.classes();
        Bounds out = new Bounds(new double[rows * inputs], new double[rows * inputs], new double[rows * outputs],
                new double[rows * outputs]);
        int depth = layers.size();
        Box[] preActivation = new Box[depth];
        for (int row = 0; row < rows; row++) {
            Box box = Box.ofEnds(lower, upper, row * inputs, inputs);
            for (int l = 0; l < depth; l++) {
                preActivation[l] = forward(layers.get(l), box, gamma);
                box = l + 1 < depth ? preActivation[l].relu() : preActivation[l];
            }
            box.ends(out.logitLower, out.logitUpper, row * outputs);
            Box adjoint = Box.unit(outputs, classes[row]);
            for (int l = depth - 1; l >= 0; l--) {
                if (l + 1 < depth) {
                    adjoint = adjoint.reluAdjoint(preActivation[l]);
                }
                adjoint = backward(layers.get(l), adjoint, gamma);
            }
            adjoint.ends(out.gradientLower, out.gradientUpper, row * inputs);
        }
        return out;
    }

    /** {@link #bounds} over {@code threads} contiguous ranges of the rows ({@link HostThreads#inRanges}). */
    Bounds bounds(double[] lower, double[] upper, int[] classes, int rows, double gamma, int threads) {
        int inputs = network.inputs();
        List<Bounds> ranges = HostThreads.inRanges(rows, threads, (from, to) -> List.of(bounds(
                Arrays.copyOfRange(lower, from * inputs, to * inputs), Arrays.copyOfRange(upper, from * inputs, to * inputs),
                Arrays.copyOfRange(classes, from, to), to - from, gamma)));
        if (ranges.size() == 1) {
            return ranges.get(0);
        }
        return new Bounds(joined(ranges, Bounds::gradientLower), joined(ranges, Bounds::gradientUpper),
                joined(ranges, Bounds::logitLower), joined(ranges, Bounds::logitUpper));
    }

    private static double[] joined(List<Bounds> ranges, Function<Bounds, double[]> part) {
        double[] out = new double[ranges.stream().mapToInt(b -> part.apply(b).length).sum()];
        int at = 0;
        for (Bounds range : ranges) {
            double[] values = part.apply(range);
            System.arraycopy(values, 0, out, at, values.length);
            at += values.length;
        }
        return out;
    }

    /** {@link AffineRule#forward}: {@code (W c + b, |W|(r(1 + s) + |c|s) + |b|s)}, s for {@code inputs + 1} terms. */
    private static Box forward(HostDenseNetwork.Layer layer, Box in, double gamma) {
        double slack = (layer.inputs() + 1 + 3) * ULP + gamma;
        return new Box(layer.apply(in.c), layer.applyMagnitude(in.slackened(slack), slack)).sanitized();
    }

    /** {@link AffineRule#backward}: {@code (Wᵀ c, |W|ᵀ(r(1 + s) + |c|s))}, s for {@code outputs} terms. */
    private static Box backward(HostDenseNetwork.Layer layer, Box adjoint, double gamma) {
        double slack = (layer.outputs() + 3) * ULP + gamma;
        return new Box(layer.transpose(adjoint.c), layer.transposeMagnitude(adjoint.slackened(slack))).sanitized();
    }

    /** One row's box in centre–radius form, as {@link Interval} holds a batch's. */
    private record Box(double[] c, double[] r) {

        /** {@link Interval#ofEnds} of one row of flat ends. */
        static Box ofEnds(double[] lower, double[] upper, int offset, int width) {
            double[] c = new double[width];
            double[] r = new double[width];
            for (int i = 0; i < width; i++) {
                double lo = lower[offset + i];
                double hi = upper[offset + i];
                c[i] = (lo + hi) * 0.5;
                r[i] = (hi - lo) * 0.5 + (Math.abs(lo) + Math.abs(hi)) * ULP;
            }
            return new Box(c, r).sanitized();
        }

        /** The point {@code e_class}. */
        static Box unit(int width, int index) {
            double[] c = new double[width];
            c[index] = 1;
            return new Box(c, new double[width]);
        }

        /** {@code r(1 + s) + |c| s}: the radius a map's rounding slack s widens its input to. */
        double[] slackened(double slack) {
            double[] widened = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                widened[i] = r[i] * (1 + slack) + Math.abs(c[i]) * slack;
            }
            return widened;
        }

        /** {@link Interval#sanitized}: a coordinate with a NaN or infinite centre or a NaN radius becomes (0, +∞). */
        Box sanitized() {
            for (int i = 0; i < c.length; i++) {
                if (Double.isNaN(c[i]) || Double.isInfinite(c[i]) || Double.isNaN(r[i])) {
                    c[i] = 0;
                    r[i] = Double.POSITIVE_INFINITY;
                }
            }
            return this;
        }

        /** ReLU of this pre-activation box: {@code ActivationRule.reluBox}. */
        Box relu() {
            double[] rc = new double[c.length];
            double[] rr = new double[c.length];
            for (int i = 0; i < c.length; i++) {
                double s = Math.max(c[i] + r[i], 0);
                boolean active = c[i] > r[i];
                rc[i] = active ? c[i] : s * 0.5;
                rr[i] = active ? r[i] : s * ActivationRule.HALF_UP;
            }
            return new Box(rc, rr).sanitized();
        }

        /** This adjoint times ReLU′ over the pre-activation box {@code z}: {@code ActivationRule.reluAdjoint}. */
        Box reluAdjoint(Box z) {
            double[] ac = new double[c.length];
            double[] ar = new double[c.length];
            for (int i = 0; i < c.length; i++) {
                if (z.c[i] > z.r[i]) {
                    ac[i] = c[i];
                    ar[i] = r[i];
                } else if (z.c[i] + z.r[i] > 0) {
                    double nearest = Math.min(Math.max(c[i], -r[i]), r[i]);
                    ac[i] = (c[i] + nearest) * 0.5;
                    ar[i] = (r[i] + Math.max(Math.abs(c[i]), r[i])) * ActivationRule.HALF_UP;
                }
            }
            return new Box(ac, ar).sanitized();
        }

        /** {@link Interval#ends} into {@code lower} and {@code upper} from {@code offset}. */
        void ends(double[] lower, double[] upper, int offset) {
            for (int i = 0; i < c.length; i++) {
                double margin = (Math.abs(c[i]) + r[i]) * ULP;
                lower[offset + i] = c[i] - r[i] - margin;
                upper[offset + i] = c[i] + r[i] + margin;
            }
        }
    }
}
