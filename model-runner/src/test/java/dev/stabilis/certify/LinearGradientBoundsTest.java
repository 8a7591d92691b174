package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.fixtures.OperatorGraphs;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The linear-relaxation method: sound wherever it applies (the same search that tries to break interval bounds finds
 * no escape), never looser than intervals and several times tighter on the digits MLPs, the same for a row alone as
 * in its batch, honest about falling back to intervals, and a wrong relaxation is caught. Each holds with the default
 * relaxations and with relaxation parameters optimised in {@value #ALPHA_STEPS} steps.
 */
class LinearGradientBoundsTest {

    /**
     * The search at the ε and on the operator chains besides the real fixtures' ε = 0.01 (which get the thorough
     * budget): 150 points, 4 coordinates pushed up and down in 6 steps, a tenth of the thorough search's Hessian work.
     */
    private static final BoxSearch.Budget LIGHT = new BoxSearch.Budget(100, 50, 4, 6);

    /** The optimisation steps the α variant of each test runs. */
    private static final int ALPHA_STEPS = 3;

    /** Every chain, with the default relaxations (0 steps) and optimised ones. */
    static Stream<Arguments> chains() {
        Stream<Arguments> fixtures = Fixture.ONNX.stream().map(name -> Arguments.of(name, OnnxImporter.read(Fixture.load(name).onnx())));
        Stream<Arguments> operators = OperatorGraphs.all().entrySet().stream().filter(e -> isChain(e.getValue()))
                .map(e -> Arguments.of(e.getKey(), e.getValue()));
        return Stream.concat(fixtures, operators).flatMap(a -> Stream.of(0, ALPHA_STEPS).map(steps -> Arguments.of(a.get()[0], a.get()[1], steps)));
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
                BoxSearch.Budget budget = Fixture.ONNX.contains(name) && epsilon == 0.01 ? BoxSearch.Budget.THOROUGH : LIGHT;
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
            IntervalBounds l = linear.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOGIT, 0);
            assertInside(l, interval.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOGIT, 0), name);
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
                double wl = width(linear.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOGIT, 0));
                double wi = width(interval.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOGIT, 0));
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
            IntervalBounds p = plain.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOGIT, 0);
            IntervalBounds o = optimised.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOGIT, 0);
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
            assertThat(SoundnessSuite.escapes(sound, rows, 0.01, TargetKind.LOGIT, 5, LIGHT)).isEmpty();
        }
        try (GradientBounds broken = new LinearGradientBounds(IntervalGradientBounds.load(graph, Device.cpu()),
                java.util.function.UnaryOperator.identity(), ALPHA_STEPS, v -> v.clip(0, 1).mul(1.05))) {
            assertThat(SoundnessSuite.escapes(broken, rows, 0.01, TargetKind.LOGIT, 5, LIGHT)).as("escapes under the broken projection").isNotEmpty();
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

    /** The chord-parallel relaxation of softplus′ = sigmoid with its lower slope 5 % too steep: the search finds escapes. */
    @Test
    void aRelaxationSlopeOffByFivePercentIsCaught() {
        Graph graph = OnnxImporter.read(Fixture.load("digits_mlp_softplus").onnx());
        double[][] rows = rows(graph, "digits_mlp_softplus");
        try (GradientBounds sound = GradientBounds.load(graph, Device.cpu(), GradientBounds.LINEAR)) {
            assertThat(SoundnessSuite.escapes(sound, rows, 0.01, TargetKind.LOGIT, 5, LIGHT)).isEmpty();
        }
        try (GradientBounds broken = new LinearGradientBounds(IntervalGradientBounds.load(graph, Device.cpu()),
                r -> new LinearRelaxation(r.lowerSlope().mul(1.05), r.lowerOffset(), r.upperSlope(), r.upperOffset()), 0,
                RelaxationParameters.FEASIBLE)) {
            assertThat(SoundnessSuite.escapes(broken, rows, 0.01, TargetKind.LOGIT, 5, LIGHT)).as("escapes under the broken relaxation").isNotEmpty();
        }
    }
}
