package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Shapes;

/**
 * The curvature indicator of Dombrowski et al. per host row: the Hessian eigenvalue of largest magnitude of
 * the explained class's score at the sample, by power iteration (fixed seed) on exact Hessian-vector products
 * in float64. Zero for ReLU networks, whose Hessian vanishes almost everywhere.
 */
public final class Curvature {

    private final GradientBounds bounds;
    private final HessianVectorProduct products;
    private final int iterations;

    /**
     * @param bounds supplies the float64 model and graph
     * @param iterations power iteration steps
     */
    public Curvature(GradientBounds bounds, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("curvature needs at least one power iteration, got " + iterations);
        }
        this.bounds = bounds;
        this.products = new HessianVectorProduct(bounds.model());
        this.iterations = iterations;
    }

    /** The signed eigenvalue estimate of each row's Hessian for the given class. */
    public double[] of(float[][] rows, int[] classes, TargetKind kind) {
        int size = bounds.graph().inputSize();
        double[] flat = new double[rows.length * size];
        long[] targets = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            for (int f = 0; f < size; f++) {
                flat[i * size + f] = rows[i][f];
            }
            targets[i] = classes[i];
        }
        try (NDManager batch = bounds.model().manager().newSubManager()) {
            NDArray x = batch.create(flat, new Shape(Shapes.withBatch(rows.length, bounds.graph().inputSampleShape())));
            return products.largestEigenvalue(x, batch.create(targets), kind, iterations, 0).toDoubleArray();
        }
    }

}
