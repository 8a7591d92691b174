package dev.stabilis.harden;

import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Op;
import dev.stabilis.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A new network from a specification {@code mlp:H1-H2-...:ACTIVATION}: dense layers of the given hidden widths,
 * each followed by the activation ({@code relu}, {@code tanh}, {@code sigmoid} or {@code softplus}), and a
 * dense output layer with one unit per class. Weights and biases start uniform in ±1/√fan-in (PyTorch's
 * default for linear layers), from a seed.
 *
 * @param hidden hidden widths, at least one
 * @param activation the hidden activation
 */
public record Architecture(int[] hidden, Activation.Kind activation) {

    public Architecture {
        if (hidden.length == 0) {
            throw new IllegalArgumentException("an MLP needs at least one hidden layer");
        }
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden widths must be positive, got " + h);
            }
        }
        hidden = hidden.clone();
    }

    /** Parses {@code mlp:64-64:relu}. */
    public static Architecture parse(String spec) {
        String[] parts = spec.trim().split(":");
        if (parts.length != 3 || !parts[0].equals("mlp")) {
            throw new IllegalArgumentException("architecture '" + spec + "' is not of the form mlp:H1-H2-...:relu|tanh|sigmoid|softplus");
        }
        String[] widths = parts[1].split("-");
        int[] hidden = new int[widths.length];
        try {
            for (int i = 0; i < widths.length; i++) {
                hidden[i] = Integer.parseInt(widths[i]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("architecture '" + spec + "': hidden widths must be integers", e);
        }
        Activation.Kind kind = switch (parts[2].toLowerCase(Locale.ROOT)) {
            case "relu" -> Activation.Kind.RELU;
            case "tanh" -> Activation.Kind.TANH;
            case "sigmoid" -> Activation.Kind.SIGMOID;
            case "softplus" -> Activation.Kind.SOFTPLUS;
            default -> throw new IllegalArgumentException("architecture '" + spec + "': unknown activation '" + parts[2] + "'");
        };
        return new Architecture(hidden, kind);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /**
     * The initial network for {@code features} inputs and {@code classes} outputs.
     *
     * @param standardization a first layer applied to raw features (for example train-split standardisation), or null
     */
    public Graph build(int features, int classes, ElementwiseAffine standardization, long seed) {
        Random random = new Random(seed);
        List<Op> ops = new ArrayList<>();
        if (standardization != null) {
            ops.add(standardization);
        }
        int in = features;
        for (int width : hidden) {
            ops.add(dense(in, width, random));
            ops.add(Activation.of(activation));
            in = width;
        }
        ops.add(dense(in, classes, random));
        return Graph.chain(new long[] {features}, ops);
    }

    private static Dense dense(int in, int out, Random random) {
        double bound = 1 / Math.sqrt(in);
        double[] w = new double[out * in];
        double[] b = new double[out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return new Dense(new HostTensor(new long[] {out, in}, w), new HostTensor(new long[] {out}, b));
    }

    /**
     * Standardisation {@code (x − mean) / std} with the training rows' mean and population standard deviation
     * per feature (a constant feature keeps std 1).
     */
    public static ElementwiseAffine standardization(Dataset train) {
        int n = train.featureCount();
        double[] mean = new double[n];
        double[] var = new double[n];
        for (float[] row : train.features()) {
            for (int i = 0; i < n; i++) {
                mean[i] += row[i];
            }
        }
        for (int i = 0; i < n; i++) {
            mean[i] /= train.size();
        }
        for (float[] row : train.features()) {
            for (int i = 0; i < n; i++) {
                var[i] += (row[i] - mean[i]) * (row[i] - mean[i]);
            }
        }
        double[] scale = new double[n];
        double[] shift = new double[n];
        for (int i = 0; i < n; i++) {
            double std = Math.sqrt(var[i] / train.size());
            scale[i] = std > 0 ? (float) (1 / std) : 1;
            shift[i] = (float) (-mean[i] * scale[i]);
        }
        long[] shape = {n};
        return new ElementwiseAffine(new HostTensor(shape, scale), new HostTensor(shape, shift));
    }
}
