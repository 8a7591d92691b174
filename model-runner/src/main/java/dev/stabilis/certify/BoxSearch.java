package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * An empirical search of a box for extreme gradients, the counterpart of the certified bounds: uniform
 * samples, box vertices, and projected sign-gradient ascent and descent on single gradient coordinates. It
 * checks that bounds are sound and measures how tight they are (certified deviation over the largest
 * deviation found). The ascent direction of g_i is
 * row i of the Hessian, from exact Hessian-vector products; ReLU networks have a zero Hessian almost
 * everywhere, so their search steers by a softplus(β = 10) surrogate while every point is judged on the real
 * network.
 */
public final class BoxSearch implements AutoCloseable {

    /**
     * How much a search looks at.
     *
     * @param uniform uniformly sampled points
     * @param vertices random box vertices
     * @param coordinates gradient coordinates pushed up and down (half the largest, half random)
     * @param steps ascent steps per coordinate and direction; every iterate is a point of the search
     */
    public record Budget(int uniform, int vertices, int coordinates, int steps) {

        /** At least 1000 points: 500 uniform, 200 vertices, 10 coordinates × 2 directions × 15 steps. */
        public static final Budget THOROUGH = new Budget(500, 200, 10, 15);
    }

    private final GraphModel model;
    private final GraphModel surrogateModel;
    private final HessianVectorProduct surrogate;
    private final long[] inputShape;
    private final Budget budget;

    /**
     * @param graph the network
     * @param model its float64 model, which judges every point
     */
    public BoxSearch(Graph graph, GraphModel model) {
        this(graph, model, Budget.THOROUGH);
    }

    /** A search with the given budget (large networks need a smaller one). */
    public BoxSearch(Graph graph, GraphModel model, Budget budget) {
        this.model = model;
        this.budget = budget;
        this.inputShape = graph.inputSampleShape();
        Graph smooth = graph.reluSmoothed(10f);
        this.surrogateModel = GraphModel.load(smooth, model.device(), DataType.FLOAT64);
        this.surrogate = new HessianVectorProduct(surrogateModel);
    }

    /**
     * The budget's points in {@code [lower, upper]} (flattened rows of one sample's box).
     *
     * @param g the gradient at the sample, to pick the coordinates to push
     */
    public double[][] points(NDManager manager, double[] lower, double[] upper, double[] g, int target, TargetKind kind, long seed) {
        int n = lower.length;
        Random random = new Random(seed);
        List<double[]> out = new ArrayList<>();
        for (int p = 0; p < budget.uniform(); p++) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = lower[i] + random.nextDouble() * (upper[i] - lower[i]);
            }
            out.add(x);
        }
        for (int p = 0; p < budget.vertices(); p++) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = random.nextBoolean() ? lower[i] : upper[i];
            }
            out.add(x);
        }
        int[] coordinates = coordinates(g, random);
        for (int coordinate : coordinates) {
            for (int sign : new int[] {1, -1}) {
                out.addAll(ascend(manager, lower, upper, coordinate, sign, target, kind));
            }
        }
        return out.toArray(double[][]::new);
    }

    private int[] coordinates(double[] g, Random random) {
        int half = Math.min(budget.coordinates() / 2, g.length);
        int[] largest = half == 0 ? new int[0] : Certificates.topK(g, half);
        int[] out = new int[Math.min(budget.coordinates(), g.length)];
        System.arraycopy(largest, 0, out, 0, largest.length);
        for (int i = largest.length; i < out.length; i++) {
            out[i] = random.nextInt(g.length);
        }
        return out;
    }

    /** Projected sign ascent of {@code sign · g_coordinate}, starting at the box centre; every iterate is kept. */
    private List<double[]> ascend(NDManager manager, double[] lower, double[] upper, int coordinate, int sign, int target,
            TargetKind kind) {
        int n = lower.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (lower[i] + upper[i]) / 2;
        }
        double[] basis = new double[n];
        basis[coordinate] = 1;
        List<double[]> iterates = new ArrayList<>();
        Shape shape = new Shape(Shapes.withBatch(1, inputShape));
        NDArray classes = manager.create(new long[] {target});
        for (int step = 0; step < budget.steps(); step++) {
            double[] direction = surrogate.apply(manager.create(x, shape), classes, kind, manager.create(basis, shape)).toDoubleArray();
            for (int i = 0; i < n; i++) {
                double stepSize = 2.5 * (upper[i] - lower[i]) / 2 / budget.steps();
                x[i] = Math.min(upper[i], Math.max(lower[i], x[i] + sign * stepSize * Math.signum(direction[i])));
            }
            iterates.add(x.clone());
        }
        return iterates;
    }

    /** Target-score gradients of the real model at points (rows), flattened per point. */
    public double[][] gradients(NDManager manager, double[][] points, int target, TargetKind kind) {
        int n = points[0].length;
        double[] flat = new double[points.length * n];
        for (int p = 0; p < points.length; p++) {
            System.arraycopy(points[p], 0, flat, p * n, n);
        }
        NDArray x = manager.create(flat, new Shape(Shapes.withBatch(points.length, inputShape)));
        long[] classes = new long[points.length];
        java.util.Arrays.fill(classes, target);
        double[] g = model.gradients(x, manager.create(classes), kind).gradient().toDoubleArray();
        double[][] out = new double[points.length][];
        for (int p = 0; p < points.length; p++) {
            out[p] = java.util.Arrays.copyOfRange(g, p * n, (p + 1) * n);
        }
        return out;
    }

    @Override
    public void close() {
        surrogateModel.close();
    }
}
