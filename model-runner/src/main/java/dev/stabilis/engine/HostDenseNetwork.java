package dev.stabilis.engine;

import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Node;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A dense ReLU network ({@code Dense, (ReLU, Dense)*} on a flat input, finite constants) on the host, for calls of a
 * few rows: its float64 matrices, transposes and magnitudes laid out for one-row sweeps in Java. A pass of tensor ops
 * costs a native call of a few microseconds per array whatever the batch, and that fixed cost is all of a batch-1 call
 * on a small network; here a row costs its multiply-adds and nothing else. {@link GraphModel#gradients} computes with it
 * up to {@link #GRADIENT_MULTIPLY_ADDS}, and the interval method's host pass up to its own limit.
 */
public final class HostDenseNetwork {

    /**
     * Rows × multiply-adds per row up to which {@link GraphModel#gradients} computes here rather than as tensor ops: 2¹⁸,
     * 10 rows of the digits MLP (26 k multiply-adds per row). Saliency there took 0.019–0.023 ms per row on the host at
     * 8 rows against 0.030–0.032 as tensor ops, and about as long at 16 (BENCHMARKS.md, "A few rows on the host").
     */
    public static final long GRADIENT_MULTIPLY_ADDS = 1L << 18;

    private final Layer[] layers;
    private final long multiplyAddsPerRow;

    private HostDenseNetwork(Layer[] layers, long multiplyAddsPerRow) {
        this.layers = layers;
        this.multiplyAddsPerRow = multiplyAddsPerRow;
    }

    /**
     * The graph on the host if it is a dense ReLU network with finite constants and one row takes at most
     * {@code multiplyAdds} multiply-adds (a caller's limit per call: a larger network would never be computed here and
     * does not get the copies of its weights), else empty.
     */
    public static Optional<HostDenseNetwork> of(Graph graph, long multiplyAdds) {
        if (graph.multiplyAddsPerSample() > multiplyAdds || !isDenseReluChain(graph)) {
            return Optional.empty();
        }
        List<Node> nodes = graph.nodes();
        Layer[] layers = new Layer[(nodes.size() + 1) / 2];
        for (int i = 0; i < nodes.size(); i += 2) {
            layers[i / 2] = new Layer((Dense) nodes.get(i).op());
        }
        return Optional.of(new HostDenseNetwork(layers, graph.multiplyAddsPerSample()));
    }

    private static boolean isDenseReluChain(Graph graph) {
        List<Node> nodes = graph.nodes();
        if (graph.inputSampleShape().length != 1 || nodes.size() % 2 == 0) {
            return false;
        }
        String previous = graph.inputName();
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            boolean fits = i % 2 == 0 ? node.op() instanceof Dense dense && finite(dense)
                    : node.op() instanceof Activation a && a.kind() == Activation.Kind.RELU;
            if (!fits || !node.inputs().equals(List.of(previous))) {
                return false;
            }
            previous = node.output();
        }
        return previous.equals(graph.output());
    }

    private static boolean finite(Dense dense) {
        return Arrays.stream(dense.weight().data()).allMatch(Double::isFinite)
                && (dense.bias() == null || Arrays.stream(dense.bias().data()).allMatch(Double::isFinite));
    }

    /** Whether {@code rows} rows take at most {@code multiplyAdds} multiply-adds ({@link Graph#multiplyAddsPerSample}) in all. */
    public boolean fits(long rows, long multiplyAdds) {
        return rows * multiplyAddsPerRow <= multiplyAdds;
    }

    /** Multiply-adds of one row's forward pass ({@link Graph#multiplyAddsPerSample}). */
    public long multiplyAddsPerRow() {
        return multiplyAddsPerRow;
    }

    /** The dense layers in order; a ReLU follows each but the last. */
    public List<Layer> layers() {
        return List.of(layers);
    }

    /** Features per row. */
    public int inputs() {
        return layers[0].inputs;
    }

    /** Logits per row. */
    public int classes() {
        return layers[layers.length - 1].outputs;
    }

    /**
     * Logits, target classes and the input gradient of each row's target score, flat by row.
     *
     * @param classes each row's class: the given target, or the first largest logit
     */
    public record RowGradients(double[] logits, int[] classes, double[] gradient) {}

    /**
     * The logits and the gradient of each row's target score at {@code rows} flat rows {@code x}, in float64.
     *
     * @param targets a class per row, or null for each row's first largest logit
     */
    public RowGradients gradients(double[] x, int rows, int[] targets, TargetKind kind) {
        int n = inputs();
        int c = classes();
        double[] logits = new double[rows * c];
        int[] classes = new int[rows];
        double[] gradient = new double[rows * n];
        double[][] z = new double[layers.length][];
        for (int row = 0; row < rows; row++) {
            double[] h = Arrays.copyOfRange(x, row * n, (row + 1) * n);
            for (int l = 0; l < layers.length; l++) {
                z[l] = layers[l].apply(h);
                h = l + 1 < layers.length ? relu(z[l]) : z[l];
            }
            System.arraycopy(h, 0, logits, row * c, c);
            double[] rowLogits = h;
            classes[row] = targets == null ? Argmax.firstLargest(c, j -> rowLogits[j]) : targets[row];
            double[] g = seed(h, classes[row], kind);
            for (int l = layers.length - 1; l >= 0; l--) {
                if (l + 1 < layers.length) {
                    for (int j = 0; j < g.length; j++) {
                        g[j] = z[l][j] > 0 ? g[j] : 0;
                    }
                }
                g = layers[l].transpose(g);
            }
            System.arraycopy(g, 0, gradient, row * n, n);
        }
        return new RowGradients(logits, classes, gradient);
    }

    /** {@link TargetKind#seed} of one row: e_c, minus softmax(z) for a log-probability. */
    private static double[] seed(double[] logits, int target, TargetKind kind) {
        double[] seed = new double[logits.length];
        if (kind == TargetKind.LOG_PROBABILITY) {
            double max = Arrays.stream(logits).max().orElseThrow();
            double sum = 0;
            for (int j = 0; j < logits.length; j++) {
                seed[j] = Math.exp(logits[j] - max);
                sum += seed[j];
            }
            for (int j = 0; j < logits.length; j++) {
                seed[j] = -seed[j] / sum;
            }
        }
        seed[target] += 1;
        return seed;
    }

    private static double[] relu(double[] z) {
        double[] h = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            h[j] = Math.max(z[j], 0);
        }
        return h;
    }

    /** A dense map {@code W h + b} with its transpose and their magnitudes, laid out for sweeps over rows. */
    public static final class Layer {

        private final int inputs;
        private final int outputs;
        /** The rows of Wᵀ and |W|ᵀ ({@code in} rows of {@code out}): the forward map sweeps them. */
        private final double[][] transposed;
        private final double[][] transposedMagnitude;
        /** The rows of W and |W| ({@code out} rows of {@code in}): the adjoint sweeps them. */
        private final double[][] weight;
        private final double[][] weightMagnitude;
        private final double[] bias;
        private final double[] biasMagnitude;

        private Layer(Dense dense) {
            inputs = Math.toIntExact(dense.inputs());
            outputs = Math.toIntExact(dense.outputs());
            double[] w = dense.weight().data();
            weight = new double[outputs][inputs];
            weightMagnitude = new double[outputs][inputs];
            transposed = new double[inputs][outputs];
            transposedMagnitude = new double[inputs][outputs];
            for (int o = 0; o < outputs; o++) {
                for (int i = 0; i < inputs; i++) {
                    double value = w[o * inputs + i];
                    weight[o][i] = value;
                    weightMagnitude[o][i] = Math.abs(value);
                    transposed[i][o] = value;
                    transposedMagnitude[i][o] = Math.abs(value);
                }
            }
            bias = dense.bias() == null ? new double[outputs] : dense.bias().data().clone();
            biasMagnitude = new double[outputs];
            for (int o = 0; o < outputs; o++) {
                biasMagnitude[o] = Math.abs(bias[o]);
            }
        }

        /** The length of the input. */
        public int inputs() {
            return inputs;
        }

        /** The length of the output. */
        public int outputs() {
            return outputs;
        }

        /** {@code W h + b}. */
        public double[] apply(double[] h) {
            double[] z = sweep(transposed, h, outputs);
            for (int o = 0; o < outputs; o++) {
                z[o] += bias[o];
            }
            return z;
        }

        /** {@code |W| v + s|b|}. */
        public double[] applyMagnitude(double[] v, double s) {
            double[] out = sweep(transposedMagnitude, v, outputs);
            for (int o = 0; o < outputs; o++) {
                out[o] += biasMagnitude[o] * s;
            }
            return out;
        }

        /** {@code Wᵀ g}. */
        public double[] transpose(double[] g) {
            return sweep(weight, g, inputs);
        }

        /** {@code |W|ᵀ v}. */
        public double[] transposeMagnitude(double[] v) {
            return sweep(weightMagnitude, v, inputs);
        }

        /**
         * {@code Σ_j v_j · rows[j]} over rows of {@code width}: the rows of the non-zero {@code v_j} only (0 · w adds
         * nothing, the weights being finite: {@link HostDenseNetwork#of} takes no other; ReLU zeroes about half of a
         * hidden layer's values and adjoints), four per sweep of the output. Every array is read at the output's index,
         * which lets the JIT vectorise the sweep (with one flat matrix read at an offset it cannot rule out that the
         * output overlaps it: 0.9 against 0.3 ns per multiply-add). Any order of an n-term sum errs by at most
         * {@code γ_n}.
         */
        private static double[] sweep(double[][] rows, double[] v, int width) {
            int[] nonZero = new int[v.length];
            int count = 0;
            for (int j = 0; j < v.length; j++) {
                if (v[j] != 0) {
                    nonZero[count++] = j;
                }
            }
            double[] out = new double[width];
            int k = 0;
            for (; k + 4 <= count; k += 4) {
                double a0 = v[nonZero[k]];
                double a1 = v[nonZero[k + 1]];
                double a2 = v[nonZero[k + 2]];
                double a3 = v[nonZero[k + 3]];
                double[] w0 = rows[nonZero[k]];
                double[] w1 = rows[nonZero[k + 1]];
                double[] w2 = rows[nonZero[k + 2]];
                double[] w3 = rows[nonZero[k + 3]];
                for (int o = 0; o < width; o++) {
                    out[o] += a0 * w0[o] + a1 * w1[o] + a2 * w2[o] + a3 * w3[o];
                }
            }
            for (; k < count; k++) {
                double a = v[nonZero[k]];
                double[] w = rows[nonZero[k]];
                for (int o = 0; o < width; o++) {
                    out[o] += a * w[o];
                }
            }
            return out;
        }
    }
}
