package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.fixtures.OperatorGraphs;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Op;
import dev.stabilis.graph.Reshape;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The linear-relaxation method: sound wherever it applies (the same search that tries to break interval bounds finds
 * no escape, and sums that cancel in float64 do not make it miss), never looser than intervals and several times
 * tighter on the digits MLPs, the same for a row alone as in its batch, honest about falling back to intervals, and a
 * wrong relaxation is caught. Each holds with the default relaxations and with relaxation parameters optimised in
 * {@value #ALPHA_STEPS} steps.
 */
class LinearGradientBoundsTest {

    /** The weights −1 summed with 2⁵⁴ and −2⁵⁴ in {@link #boundsWhoseTermsCancelStillHoldTheExactGradient}. */
    private static final int ONES = 400;

    /** The optimisation steps the α variant of each test runs. */
    private static final int ALPHA_STEPS = 3;

    /** Every chain, with the default relaxations (0 steps) and optimised ones. */
    static Stream<Arguments> chains() {
        Stream<Arguments> fixtures = Fixture.ONNX.stream().map(name -> Arguments.of(name, OnnxImporter.read(Fixture.load(name).onnx())));
        Stream<Arguments> operators = OperatorGraphs.all().entrySet().stream().filter(e -> isChain(e.getValue()))
                .map(e -> Arguments.of(e.getKey(), e.getValue()));
        Stream<Arguments> built = Stream.of(Arguments.of("piecewise-linear chain", piecewiseLinearChain()),
                Arguments.of("chain of four softplus", softplusChain()));
        return Stream.of(fixtures, operators, built).flatMap(s -> s)
                .flatMap(a -> Stream.of(0, ALPHA_STEPS).map(steps -> Arguments.of(a.get()[0], a.get()[1], steps)));
    }

    /**
     * A chain whose activations are all linear on each side of 0, so that its backward chain is deferred: a convolution,
     * LeakyReLU, two dense layers with ReLU, then LeakyReLU directly after ReLU (a deferred scale with no map between) and
     * a dense map to three classes; random weights of a size that leaves some boxes around 0 at ε = 0.01.
     */
    private static Graph piecewiseLinearChain() {
        java.util.function.BiFunction<Double, long[], HostTensor> tensor = gaussians(42);
        return Graph.chain(new long[] {1, 6, 6}, List.of(
                new Conv2d(tensor.apply(0.5, new long[] {3, 1, 3, 3}), tensor.apply(0.1, new long[] {3}), new int[] {1, 1},
                        new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1),
                new Activation(Activation.Kind.LEAKY_RELU, 0.1, 0),
                new Reshape(new long[] {Shapes.BATCH, 108}),
                new Dense(tensor.apply(0.15, new long[] {12, 108}), tensor.apply(0.1, new long[] {12})),
                Activation.of(Activation.Kind.RELU),
                new Dense(tensor.apply(0.4, new long[] {8, 12}), tensor.apply(0.1, new long[] {8})),
                Activation.of(Activation.Kind.RELU),
                new Activation(Activation.Kind.LEAKY_RELU, 0.2, 0),
                new Dense(tensor.apply(0.5, new long[] {3, 8}), tensor.apply(0.1, new long[] {3}))));
    }

    /**
     * A chain whose gradient chain meets four softplus activations, whose derivative bounds are lines in the value
     * below: their coefficients join in one sweep down the forward pass, on the input (softplus first), before a dense
     * map and before a ReLU (ReLU then softplus, no map between); random weights of a size that leaves some ReLU boxes
     * around 0 at ε = 0.05.
     */
    private static Graph softplusChain() {
        java.util.function.BiFunction<Double, long[], HostTensor> tensor = gaussians(7);
        return Graph.chain(new long[] {6}, List.of(
                Activation.of(Activation.Kind.SOFTPLUS),
                new Dense(tensor.apply(0.6, new long[] {10, 6}), tensor.apply(0.2, new long[] {10})),
                Activation.of(Activation.Kind.SOFTPLUS),
                new Dense(tensor.apply(0.5, new long[] {8, 10}), tensor.apply(0.2, new long[] {8})),
                Activation.of(Activation.Kind.RELU),
                Activation.of(Activation.Kind.SOFTPLUS),
                new Dense(tensor.apply(0.6, new long[] {8, 8}), tensor.apply(0.2, new long[] {8})),
                Activation.of(Activation.Kind.SOFTPLUS),
                new Dense(tensor.apply(0.6, new long[] {3, 8}), tensor.apply(0.1, new long[] {3}))));
    }

    /** Tensors of seeded Gaussian values: {@code (scale, shape) -> scale · N(0, 1)} per element. */
    private static java.util.function.BiFunction<Double, long[], HostTensor> gaussians(long seed) {
        java.util.Random random = new java.util.Random(seed);
        return (scale, shape) -> {
            double[] values = new double[(int) Shapes.size(shape)];
            for (int i = 0; i < values.length; i++) {
                values[i] = scale * random.nextGaussian();
            }
            return new HostTensor(shape, values);
        };
    }

    private static boolean isChain(Graph graph) {
        try (GradientBounds b = LinearGradientBounds.load(graph, Device.cpu(), 0)) {
            return b.method().equals(GradientBounds.LINEAR);
        }
    }

    private static double[][] rows(Graph graph, String name) {
        if (Fixture.ONNX.contains(name)) {
            float[][] inputs = Fixture.load(name).inputs();
            double[][] rows = new double[3][];
            for (int r = 0; r < 3; r++) {
                rows[r] = GradientBoundsSoundnessTest.toDoubles(inputs[r]);
            }
            return rows;
        }
        java.util.Random random = new java.util.Random(name.hashCode());
        double[][] rows = new double[3][graph.inputSize()];
        for (double[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = 0.05 + 0.9 * random.nextDouble();
            }
        }
        return rows;
    }

    @ParameterizedTest(name = "{0}, {2} alpha steps")
    @MethodSource("chains")
    void noGradientInTheBoxEscapesTheLinearBounds(String name, Graph graph, int alphaSteps) {
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR, alphaSteps)) {
            assertThat(bounds.method()).isEqualTo(GradientBounds.LINEAR);
            double[][] rows = rows(graph, name);
            double scale = name.startsWith("breast") ? 50 : 1;
            for (double epsilon : new double[] {0.001, 0.01, 0.05}) {
                // the thorough search at the real fixtures' ε = 0.01, the light one at the other ε and on the operator chains
                BoxSearch.Budget budget = Fixture.ONNX.contains(name) && epsilon == 0.01 ? BoxSearch.Budget.THOROUGH : SoundnessSuite.LIGHT;
                assertThat(SoundnessSuite.escapes(bounds, rows, epsilon * scale, TargetKind.LOGIT, 11, budget)).as("%s ε=%s", name, epsilon)
                        .isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "{0}, {2} alpha steps")
    @MethodSource("chains")
    void linearBoundsAreNeverLooserThanIntervalsAndARowsBoundsDoNotDependOnItsBatch(String name, Graph graph, int alphaSteps) {
        try (GradientBounds linear = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR, alphaSteps);
                GradientBounds interval = GradientBounds.load(graph, Device.cpu());
                NDManager batch = linear.model().manager().newSubManager()) {
            double[][] rows = rows(graph, name);
            int n = graph.inputSize();
            NDArray x = batch(batch, graph, rows);
            NDArray eps = batch.create(0.01);
            NDArray classes = linear.model().predict(x);
            IntervalBounds l = logitBounds(linear, x, eps, classes);
            assertInside(l, logitBounds(interval, x, eps, classes), name);
            double[] ll = l.gradientLower().toDoubleArray();
            double[] lu = l.gradientUpper().toDoubleArray();
            for (int r = 0; r < rows.length; r++) {
                NDArray one = x.get(r).expandDims(0);
                IntervalBounds alone = linear.bounds(one.sub(eps), one.add(eps), classes.get(r).expandDims(0), TargetKind.LOGIT, 0);
                double[] al = alone.gradientLower().toDoubleArray();
                double[] au = alone.gradientUpper().toDoubleArray();
                for (int k = 0; k < n; k++) {
                    double tolerance = 1e-9 * (1 + Math.abs(ll[r * n + k]) + Math.abs(lu[r * n + k]));
                    assertThat(al[k]).as("%s row %d lower %d alone", name, r, k).isCloseTo(ll[r * n + k], org.assertj.core.data.Offset.offset(tolerance));
                    assertThat(au[k]).as("%s row %d upper %d alone", name, r, k).isCloseTo(lu[r * n + k], org.assertj.core.data.Offset.offset(tolerance));
                }
            }
        }
    }

    /** Measured on the first three fixture rows at ε = 0.005: linear over interval mean width ≈ 0.19 (ReLU), 0.06 (softplus). */
    @Test
    void theDigitsMlpsGetBoundsSeveralTimesTighter() {
        for (Map.Entry<String, Double> e : Map.of("digits_mlp_relu", 0.3, "digits_mlp_softplus", 0.15).entrySet()) {
            Graph graph = OnnxImporter.read(Fixture.load(e.getKey()).onnx());
            try (GradientBounds linear = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR);
                    GradientBounds interval = GradientBounds.load(graph, Device.cpu());
                    NDManager batch = linear.model().manager().newSubManager()) {
                float[][] inputs = Fixture.load(e.getKey()).inputs();
                NDArray x = batch.create(inputs[0], new Shape(1, 64)).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
                NDArray eps = batch.create(0.005);
                NDArray classes = linear.model().predict(x);
                double wl = width(logitBounds(linear, x, eps, classes));
                double wi = width(logitBounds(interval, x, eps, classes));
                assertThat(wl / wi).as("%s: linear over interval mean width", e.getKey()).isLessThan(e.getValue());
            }
        }
    }

    /** Measured on the first three fixture rows at ε = 0.01: 3 steps narrow the ReLU MLP's linear bounds by about 5 %. */
    @Test
    void optimisedRelaxationsNeverLoosenTheDefaultBoundsAndTightenTheReluMlps() {
        Graph graph = OnnxImporter.read(Fixture.load("digits_mlp_relu").onnx());
        try (GradientBounds plain = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR);
                GradientBounds optimised = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR, ALPHA_STEPS);
                NDManager batch = plain.model().manager().newSubManager()) {
            NDArray x = batch(batch, graph, rows(graph, "digits_mlp_relu"));
            NDArray eps = batch.create(0.01);
            NDArray classes = plain.model().predict(x);
            IntervalBounds p = logitBounds(plain, x, eps, classes);
            IntervalBounds o = logitBounds(optimised, x, eps, classes);
            assertInside(o, p, "optimised in default");
            assertThat(width(o) / width(p)).as("optimised over default mean width").isLessThan(0.98);
        }
    }

    /**
     * The optimised ReLU lower slopes and McCormick weights projected 5 % beyond the top of their feasible range [0, 1]:
     * the search finds escapes, where the same optimisation projected into the range gives none.
     */
    @Test
    void anOptimisedSlopeFivePercentOutsideItsFeasibleRangeIsCaught() {
        Graph graph = OnnxImporter.read(Fixture.load("digits_mlp_relu").onnx());
        double[][] rows = rows(graph, "digits_mlp_relu");
        try (GradientBounds sound = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR, ALPHA_STEPS)) {
            assertThat(SoundnessSuite.escapes(sound, rows, 0.01, TargetKind.LOGIT, 5, SoundnessSuite.LIGHT)).isEmpty();
        }
        try (GradientBounds broken = new LinearGradientBounds(IntervalGradientBounds.load(graph, Device.cpu()),
                java.util.function.UnaryOperator.identity(), ALPHA_STEPS, v -> v.clip(0, 1).mul(1.05))) {
            assertThat(SoundnessSuite.escapes(broken, rows, 0.01, TargetKind.LOGIT, 5, SoundnessSuite.LIGHT)).as("escapes under the broken projection").isNotEmpty();
        }
    }

    /**
     * Back-substitution that cancels: input j reaches logit 0 through its own block of hidden ReLUs (all active) with
     * weights 2⁵⁴, −2⁵⁴ and {@value #ONES} weights −1, the −1s after, between or before the large ones, so its gradient
     * is exactly −{@value #ONES}; float64 loses many of the −1s against 2⁵⁴ in any order of summation. The bounds, at a
     * point and in a box, must still hold the exact gradient: the rounding margin has to follow the size of the terms
     * summed, not of their sum. (The rounding slack of the boxes, about 2⁻⁵² of the terms, is far smaller than the
     * error here, so only the margin can keep the bound sound.)
     */
    @ParameterizedTest(name = "{0} alpha steps")
    @ValueSource(ints = {0, ALPHA_STEPS})
    void boundsWhoseTermsCancelStillHoldTheExactGradient(int alphaSteps) {
        double big = 0x1p54;
        int block = ONES + 2;
        int[][] placesOfTheLargeWeights = {{0, block - 1}, {block - 1, 0}, {ONES / 2, block - 1}};
        int features = placesOfTheLargeWeights.length;
        int hidden = block * features;
        double[] w1 = new double[hidden * features]; // hidden unit block·j + p weighs input j
        for (int j = 0; j < features; j++) {
            for (int p = 0; p < block; p++) {
                w1[(block * j + p) * features + j] = p == placesOfTheLargeWeights[j][0] ? big : p == placesOfTheLargeWeights[j][1] ? -big : -1;
            }
        }
        double[] b1 = new double[hidden];
        Arrays.fill(b1, 4 * big); // every hidden unit active for inputs in [0, 1]
        double[] w2 = new double[2 * hidden];
        Arrays.fill(w2, 0, hidden, 1); // logit 0 sums the hidden units; logit 1 is 0
        double[] identity = new double[features * features];
        for (int j = 0; j < features; j++) {
            identity[j * features + j] = 1;
        }
        Graph graph = Graph.chain(new long[] {features}, List.of( // a leading identity layer: one ReLU alone gets the interval pass
                new Dense(new HostTensor(new long[] {features, features}, identity), new HostTensor(new long[] {features}, new double[features])),
                Activation.of(Activation.Kind.RELU),
                new Dense(new HostTensor(new long[] {hidden, features}, w1), new HostTensor(new long[] {hidden}, b1)),
                Activation.of(Activation.Kind.RELU),
                new Dense(new HostTensor(new long[] {2, hidden}, w2), new HostTensor(new long[] {2}, new double[2]))));
        try (GradientBounds linear = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR, alphaSteps);
                NDManager batch = linear.model().manager().newSubManager()) {
            assertThat(linear.method()).isEqualTo(GradientBounds.LINEAR);
            double[] centre = new double[features];
            Arrays.fill(centre, 0.5);
            NDArray x = batch.create(centre, new Shape(1, features));
            NDArray target = batch.create(new long[] {0});
            for (double epsilon : new double[] {0, 0.25}) {
                IntervalBounds b = linear.bounds(x.sub(epsilon), x.add(epsilon), target, TargetKind.LOGIT, 0);
                double[] lower = b.gradientLower().toDoubleArray();
                double[] upper = b.gradientUpper().toDoubleArray();
                for (int j = 0; j < features; j++) {
                    assertThat(lower[j]).as("ε=%s, input %d: lower bound", epsilon, j).isLessThanOrEqualTo(-ONES);
                    assertThat(upper[j]).as("ε=%s, input %d: upper bound", epsilon, j).isGreaterThanOrEqualTo(-ONES);
                }
            }
        }
    }

    /** The rows as one batch of the graph's input shape. */
    private static NDArray batch(NDManager manager, Graph graph, double[][] rows) {
        int n = graph.inputSize();
        double[] flat = new double[rows.length * n];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * n, n);
        }
        return manager.create(flat, new Shape(Shapes.withBatch(rows.length, graph.inputSampleShape())));
    }

    /** Every coordinate's bounds in {@code inner} lie within those of {@code outer}. */
    private static void assertInside(IntervalBounds inner, IntervalBounds outer, String what) {
        double[] il = inner.gradientLower().toDoubleArray();
        double[] iu = inner.gradientUpper().toDoubleArray();
        double[] ol = outer.gradientLower().toDoubleArray();
        double[] ou = outer.gradientUpper().toDoubleArray();
        for (int k = 0; k < il.length; k++) {
            assertThat(il[k]).as("%s lower %d", what, k).isGreaterThanOrEqualTo(ol[k]);
            assertThat(iu[k]).as("%s upper %d", what, k).isLessThanOrEqualTo(ou[k]);
        }
    }

    private static double width(IntervalBounds b) {
        return b.gradientUpper().sub(b.gradientLower()).mean().getDouble();
    }

    @Test
    void whereTheMethodDoesNotApplyItSaysWhyAndGivesTheIntervalBounds() {
        Graph residual = OperatorGraphs.all().get("residual add");
        try (GradientBounds linear = GradientBounds.load(residual, Device.cpu(), GradientBounds.LINEAR)) {
            assertThat(linear.method()).isEqualTo(GradientBounds.INTERVAL);
            Node add = residual.nodes().stream().filter(node -> node.inputs().size() == 2).findFirst().orElseThrow();
            assertThat(linear.fallback()).get().asString().contains("node '" + add.name() + "'").contains("interval bounds are used");
        }
        Graph relu = OnnxImporter.read(Fixture.load("digits_mlp_relu").onnx());
        try (GradientBounds linear = GradientBounds.load(relu, Device.cpu(), GradientBounds.LINEAR);
                GradientBounds interval = GradientBounds.load(relu, Device.cpu());
                NDManager batch = linear.model().manager().newSubManager()) {
            NDArray x = batch.create(Fixture.load("digits_mlp_relu").inputs()[0], new Shape(1, 64)).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
            NDArray eps = batch.create(0.01);
            NDArray classes = linear.model().predict(x);
            assertThat(linear.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOG_PROBABILITY, 0).gradientLower().toDoubleArray())
                    .as("log-probability targets get the interval bounds")
                    .containsExactly(interval.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOG_PROBABILITY, 0).gradientLower().toDoubleArray());
        }
    }

    /**
     * A chain with one activation whose σ′ is relaxed by constants, behind one map that mixes values (the digits CNN:
     * a convolution, then batch normalisation), gets the interval pass from the linear method: its linear bounds equal
     * the interval bounds in real arithmetic. The same chain with an identity activation (LeakyReLU of slope 1) before
     * its last map runs the whole linear pass and gives them up to rounding. Behind two mixing maps intervals lose
     * their correlation: there the pass runs, with the activation's box tightened too, and gives what it gives for
     * the one map that is their product (up to rounding), tighter than intervals.
     */
    @Test
    void chainsWhoseLinearBoundsAreTheirIntervalBoundsGetTheIntervalPass() {
        Graph cnn = OnnxImporter.read(Fixture.load("digits_cnn").onnx());
        List<Op> ops = new java.util.ArrayList<>(cnn.nodes().stream().map(Node::op).toList());
        ops.add(ops.size() - 1, new Activation(Activation.Kind.LEAKY_RELU, 1, 0));
        Graph withIdentity = Graph.chain(cnn.inputSampleShape(), ops);
        double[][] rows = rows(cnn, "digits_cnn");
        try (GradientBounds linear = GradientBounds.load(cnn, Device.cpu(), GradientBounds.LINEAR, ALPHA_STEPS);
                GradientBounds interval = GradientBounds.load(cnn, Device.cpu());
                GradientBounds wholePass = GradientBounds.load(withIdentity, Device.cpu(), GradientBounds.LINEAR);
                NDManager batch = linear.model().manager().newSubManager()) {
            assertThat(linear.method()).isEqualTo(GradientBounds.LINEAR);
            NDArray x = batch(batch, cnn, rows);
            NDArray classes = linear.model().predict(x);
            for (double epsilon : new double[] {0.01, 0.05}) {
                NDArray eps = batch.create(epsilon);
                IntervalBounds i = logitBounds(interval, x, eps, classes);
                IntervalBounds l = logitBounds(linear, x, eps, classes);
                assertThat(l.gradientLower().toDoubleArray()).containsExactly(i.gradientLower().toDoubleArray());
                assertThat(l.gradientUpper().toDoubleArray()).containsExactly(i.gradientUpper().toDoubleArray());
                IntervalBounds w = logitBounds(wholePass, x, eps, classes);
                assertClose(w.gradientLower().toDoubleArray(), i.gradientLower().toDoubleArray(), "lower, ε=" + epsilon);
                assertClose(w.gradientUpper().toDoubleArray(), i.gradientUpper().toDoubleArray(), "upper, ε=" + epsilon);
            }
        }
        java.util.Random random = new java.util.Random(15);
        double[] w1 = random.doubles(8 * 6, -1, 1).toArray();
        double[] b1 = random.doubles(8, -0.5, 0.5).toArray();
        double[] w2 = random.doubles(8 * 8, -1, 1).toArray();
        double[] b2 = random.doubles(8, -0.5, 0.5).toArray();
        double[] w = new double[8 * 6];
        double[] b = b2.clone();
        for (int o = 0; o < 8; o++) {
            for (int h = 0; h < 8; h++) {
                for (int i = 0; i < 6; i++) {
                    w[o * 6 + i] += w2[o * 8 + h] * w1[h * 6 + i];
                }
                b[o] += w2[o * 8 + h] * b1[h];
            }
        }
        Dense last = dense(3, 8, random.doubles(3 * 8, -1, 1).toArray(), new double[3]);
        Graph twoMaps = Graph.chain(new long[] {6}, List.of(dense(8, 6, w1, b1), dense(8, 8, w2, b2), Activation.of(Activation.Kind.RELU), last));
        Graph merged = Graph.chain(new long[] {6}, List.of(dense(8, 6, w, b), Activation.of(Activation.Kind.RELU), last));
        try (GradientBounds linear = GradientBounds.load(twoMaps, Device.cpu(), GradientBounds.LINEAR);
                GradientBounds interval = GradientBounds.load(twoMaps, Device.cpu());
                GradientBounds linearMerged = GradientBounds.load(merged, Device.cpu(), GradientBounds.LINEAR);
                NDManager batch = linear.model().manager().newSubManager()) {
            NDArray x = batch(batch, twoMaps, rows(twoMaps, "two maps"));
            NDArray eps = batch.create(0.05);
            NDArray classes = linear.model().predict(x);
            IntervalBounds l = logitBounds(linear, x, eps, classes);
            IntervalBounds m = logitBounds(linearMerged, x, eps, classes);
            assertClose(l.gradientLower().toDoubleArray(), m.gradientLower().toDoubleArray(), "two maps or their product, lower");
            assertClose(l.gradientUpper().toDoubleArray(), m.gradientUpper().toDoubleArray(), "two maps or their product, upper");
            assertThat(width(l)).isLessThan(0.9 * width(logitBounds(interval, x, eps, classes)));
        }
    }

    /** The bounds of a logit target over the box x ± ε, exact parameters. */
    private static IntervalBounds logitBounds(GradientBounds bounds, NDArray x, NDArray epsilon, NDArray classes) {
        return bounds.bounds(x.sub(epsilon), x.add(epsilon), classes, TargetKind.LOGIT, 0);
    }

    private static Dense dense(int out, int in, double[] weight, double[] bias) {
        return new Dense(new HostTensor(new long[] {out, in}, weight), new HostTensor(new long[] {out}, bias));
    }

    private static void assertClose(double[] actual, double[] expected, String what) {
        double scale = Arrays.stream(expected).map(Math::abs).max().orElse(0);
        for (int k = 0; k < expected.length; k++) {
            assertThat(actual[k]).as("%s %d", what, k).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-9 * scale));
        }
    }

    /** The chord-parallel relaxation of softplus′ = sigmoid with its lower slope 5 % too steep: the search finds escapes. */
    @Test
    void aRelaxationSlopeOffByFivePercentIsCaught() {
        Graph graph = OnnxImporter.read(Fixture.load("digits_mlp_softplus").onnx());
        double[][] rows = rows(graph, "digits_mlp_softplus");
        try (GradientBounds sound = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR)) {
            assertThat(SoundnessSuite.escapes(sound, rows, 0.01, TargetKind.LOGIT, 5, SoundnessSuite.LIGHT)).isEmpty();
        }
        try (GradientBounds broken = new LinearGradientBounds(IntervalGradientBounds.load(graph, Device.cpu()),
                r -> new LinearRelaxation(r.lowerSlope().mul(1.05), r.lowerOffset(), r.upperSlope(), r.upperOffset()), 0,
                RelaxationParameters.FEASIBLE)) {
            assertThat(SoundnessSuite.escapes(broken, rows, 0.01, TargetKind.LOGIT, 5, SoundnessSuite.LIGHT)).as("escapes under the broken relaxation").isNotEmpty();
        }
    }
    /**
     * ReLU′'s upper bound 5 % low on the ReLU MLP, whose chain is deferred (the product steps' lines of σ′ come from
     * this relaxation alone): the search finds escapes.
     */
    @Test
    void aReluDerivativeBoundFivePercentLowIsCaught() {
        Graph graph = OnnxImporter.read(Fixture.load("digits_mlp_relu").onnx());
        double[][] rows = rows(graph, "digits_mlp_relu");
        try (GradientBounds broken = new LinearGradientBounds(IntervalGradientBounds.load(graph, Device.cpu()),
                r -> new LinearRelaxation(r.lowerSlope(), r.lowerOffset(), r.upperSlope(), r.upperOffset().mul(0.95)), 0,
                RelaxationParameters.FEASIBLE)) {
            assertThat(SoundnessSuite.escapes(broken, rows, 0.01, TargetKind.LOGIT, 5, SoundnessSuite.LIGHT)).as("escapes under the broken relaxation").isNotEmpty();
        }
    }
}
