package dev.stabilis.harden;

import ai.djl.Device;
import dev.stabilis.graph.Graph;
import java.util.Locale;

/**
 * The figures a plain and a hardened network are compared by, on held-out rows in unit coordinates (see
 * {@link Robustness} for each).
 *
 * @param accuracy share of rows classified correctly
 * @param gini mean Gini index of |attribution| (sparsity)
 * @param hessianNorm root mean square Frobenius norm of the input Hessian of the predicted logit
 * @param curvature mean magnitude of the Hessian's largest eigenvalue
 * @param attackIntersection mean top-k intersection left after the top-k attack at ε
 * @param certifiedFraction share of rows with the top-k set certified at ε
 */
public record Measures(double accuracy, double gini, double hessianNorm, double curvature, double attackIntersection,
        double certifiedFraction) {

    /**
     * How to measure.
     *
     * @param rows held-out rows used for everything but accuracy (the first ones)
     * @param attackRows rows attacked (the first ones; the attack is the costliest measure)
     * @param epsilon box half-width of the attack, in unit coordinates
     * @param certifyEpsilon box half-width of the certificate, in unit coordinates
     * @param k size of the top-k set
     * @param attackSteps steps of the attack
     * @param beta softplus β standing in for ReLU in second-order measures and the attack
     * @param seed seed of probes, power iteration and the attack
     */
    public record Settings(int rows, int attackRows, double epsilon, double certifyEpsilon, int k, int attackSteps, float beta,
            long seed) {}

    /** Measures a network (unit coordinates) on held-out rows (unit coordinates). */
    public static Measures of(Graph graph, Dataset test, Settings s, Device device) {
        Dataset rows = test.head(s.rows());
        return new Measures(Trainer.accuracy(graph, test, device), Robustness.meanGini(graph, rows, device),
                Robustness.hessianNorm(graph, rows, s.beta(), 4, s.seed(), device),
                Robustness.meanCurvature(graph, rows, s.beta(), s.seed(), device),
                Robustness.attackIntersection(graph, rows.head(s.attackRows()), s.epsilon(), s.k(), s.attackSteps(), s.beta(), s.seed(), device),
                Robustness.certifiedFraction(graph, rows, s.certifyEpsilon(), s.k(), device));
    }

    /** A table row: the label, then each figure. */
    public String row(String label) {
        return String.format(Locale.ROOT, "| %-8s | %8.4f | %6.4f | %11.4g | %9.4g | %17.4f | %17.4f |", label, accuracy, gini, hessianNorm,
                curvature, attackIntersection, certifiedFraction);
    }

    /** The table header matching {@link #row}. */
    public static String header(Settings s) {
        return String.format(Locale.ROOT, "| model    | accuracy | gini   | hessian ‖H‖ | curvature | top-%d kept (ε=%s) | certified (ε=%s) |%n"
                + "|----------|----------|--------|-------------|-----------|-------------------|-------------------|",
                s.k(), s.epsilon(), s.certifyEpsilon());
    }
}
