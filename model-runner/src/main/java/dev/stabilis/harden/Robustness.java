package dev.stabilis.harden;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.attack.AttackMethod;
import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.AttackSettings;
import dev.stabilis.attack.ExplanationAttack;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.Gradients;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What hardening is judged by, measured on a network in unit coordinates and held-out rows in unit coordinates
 * (every ε a fraction of each feature's range). The explanation is the gradient of the predicted class's logit,
 * the monitor's default; second-order quantities of ReLU networks are those of their softplus(β) surrogate, as
 * in the monitor's attacks.
 */
public final class Robustness {

    private Robustness() {}

    /**
     * Mean Gini index of the attribution magnitudes |g| (Chen et al. 2020 measure sparsity with it):
     * {@code Σ_i (2i − n − 1) a_(i) / (n Σ a)} over the ascending magnitudes; 0 for equal magnitudes, near 1 when
     * one feature carries all of it.
     */
    public static double meanGini(Graph graph, Dataset rows, Device device) {
        double[][] g = gradients(graph, rows, device);
        return Arrays.stream(g).mapToDouble(Robustness::gini).average().orElse(Double.NaN);
    }

    /** The Gini index of |a|; NaN for a zero vector. */
    public static double gini(double[] a) {
        double[] m = Arrays.stream(a).map(Math::abs).sorted().toArray();
        int n = m.length;
        double weighted = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            weighted += (2.0 * (i + 1) - n - 1) * m[i];
            sum += m[i];
        }
        return sum == 0 ? Double.NaN : weighted / (n * sum);
    }

    /** Gradients of each row's predicted logit. */
    static double[][] gradients(Graph graph, Dataset rows, Device device) {
        try (GraphModel model = GraphModel.load(graph, device, DataType.FLOAT64); NDManager batch = model.manager().newSubManager()) {
            Gradients g = model.gradients(input(batch, rows), null, TargetKind.LOGIT);
            double[] flat = g.gradient().toDoubleArray();
            int n = rows.featureCount();
            double[][] out = new double[rows.size()][];
            for (int r = 0; r < out.length; r++) {
                out[r] = Arrays.copyOfRange(flat, r * n, (r + 1) * n);
            }
            return out;
        }
    }

    /**
     * The root mean square over rows of the Hessian's Frobenius norm (Hutchinson, Gaussian probes) of the
     * predicted logit, ReLU replaced by softplus(β).
     */
    public static double hessianNorm(Graph graph, Dataset rows, float beta, int probes, long seed, Device device) {
        Graph smooth = graph.reluSmoothed(beta);
        try (GraphModel model = GraphModel.load(smooth, device, DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            HessianVectorProduct products = new HessianVectorProduct(model);
            NDArray x = input(batch, rows);
            NDArray predicted = model.predict(x);
            HessianNorm estimator = new HessianNorm(1, probes, beta, new Random(seed));
            return Math.sqrt(estimator.frobeniusSquared(products, x, predicted).getDouble());
        }
    }

    /**
     * The mean magnitude of the curvature indicator of Dombrowski et al.: the Hessian eigenvalue of largest
     * magnitude of the predicted logit (power iteration, 20 steps), ReLU replaced by softplus(β).
     */
    public static double meanCurvature(Graph graph, Dataset rows, float beta, long seed, Device device) {
        Graph smooth = graph.reluSmoothed(beta);
        try (GraphModel model = GraphModel.load(smooth, device, DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            HessianVectorProduct products = new HessianVectorProduct(model);
            NDArray x = input(batch, rows);
            return products.largestEigenvalue(x, model.predict(x), TargetKind.LOGIT, 20, seed).abs().mean().getDouble();
        }
    }

    /**
     * The mean top-k intersection between the explanation at each row and at the strongest point the monitor's
     * top-k attack (Ghorbani et al.) finds in {@code [x − ε, x + ε] ∩ [0, 1]}.
     */
    public static double attackIntersection(Graph graph, Dataset rows, double epsilon, int k, int steps, float beta, long seed,
            Device device) {
        AttackSettings settings = new AttackSettings(AttackMethod.TOPK, epsilon, k, TargetKind.LOGIT, steps, Double.NaN, 1, seed, beta,
                new double[] {0}, new double[] {1});
        try (ExplanationAttack attack = new ExplanationAttack(graph, device, settings)) {
            List<AttackResult> results = attack.attack(rows.features());
            return results.stream().mapToDouble(r -> r.metrics().topkIntersection()).average().orElse(Double.NaN);
        }
    }

    /** The share of rows whose top-k set of the predicted logit's gradient is certified over the ε box. */
    public static double certifiedFraction(Graph graph, Dataset rows, double epsilon, int k, Device device) {
        CertifySettings settings = new CertifySettings(epsilon, k, TargetKind.LOGIT, 0, Splitting.NONE, false, 1, 1, new double[] {0}, new double[] {1});
        try (GradientBounds bounds = GradientBounds.load(graph, device)) {
            List<CertifiedSample> samples = new Certifier(bounds, settings).certify(rows.features());
            return samples.stream().filter(s -> s.certificate().topk()).count() / (double) samples.size();
        }
    }

    private static NDArray input(NDManager batch, Dataset rows) {
        return batch.create(Trainer.flatten(rows.features()), new Shape(rows.size(), rows.featureCount())).toType(DataType.FLOAT64, false);
    }
}
