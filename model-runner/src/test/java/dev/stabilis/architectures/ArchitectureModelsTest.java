package dev.stabilis.architectures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.attribution.GradientTimesInput;
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.attribution.SmoothGrad;
import dev.stabilis.certify.BoxSearch;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.certify.IntervalBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.ArchitectureFixtures;
import dev.stabilis.fixtures.ArchitectureReference;
import dev.stabilis.fixtures.ArchitectureSmoothGrad;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The architectures people deploy (torchvision's ResNet-18, MobileNetV2/V3, EfficientNet-B0, DenseNet-121,
 * ShuffleNetV2, SqueezeNet, RegNetX; transformer encoders; tabular nets with LayerNorm, SiLU, GELU and a softmax head),
 * exported by torch 1.13 with random weights ({@code tools/fixtures/make_architectures.py}), load, and the engine in
 * float64 reproduces torch's float64 outputs, input gradients, gradient × input, SmoothGrad, gradients along the IG
 * path and at points of a box, and Hessian-vector products; their interval gradient bounds hold at every reference point and every point a box
 * search finds. Token-id models are covered where embedding inputs are supported.
 */
class ArchitectureModelsTest {

    /**
     * float64 against float64, relative to the largest value compared. The ONNX files store constants as float32
     * (HardSigmoid's α = 1/6, the √2 of an exported GELU), which torch's float64 model holds exactly, so values
     * differ by up to about 1e-7 relative, and MobileNetV3's gradients (a dozen HardSwish/HardSigmoid layers) by up to
     * 2.3e-6; everything else agrees to about 1e-12.
     */
    private static final double FLOAT64 = 5e-6;

    static Stream<String> fixtures() {
        return ArchitectureFixtures.names().stream().filter(name -> ArchitectureFixtures.reference(name).tokenIds() == null);
    }

    private static Graph graph(String name, ArchitectureReference reference) {
        return OnnxImporter.read(ArchitectureFixtures.materialise(name)).withOutput(reference.output());
    }

    private static NDArray inputs(NDManager manager, ArchitectureReference reference) {
        float[][] rows = reference.inputs();
        int size = rows[0].length;
        double[] flat = new double[rows.length * size];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < size; i++) {
                flat[r * size + i] = rows[r][i];
            }
        }
        return manager.create(flat, new Shape(Shapes.withBatch(rows.length, reference.explained().shape())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void theEngineReproducesTorchInFloat64(String name) {
        ArchitectureReference reference = ArchitectureFixtures.reference(name);
        Graph graph = graph(name, reference);
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            NDArray x = inputs(batch, reference);
            List<ArchitectureReference.Sample> samples = reference.samples();
            long[] targets = samples.stream().mapToLong(ArchitectureReference.Sample::predicted).toArray();
            NDArray classes = batch.create(targets);
            var gradients = model.gradients(x, classes, TargetKind.LOGIT);
            double[] outputs = gradients.logits().toDoubleArray();
            double[] g = gradients.gradient().toDoubleArray();
            int c = samples.get(0).outputs().length;
            int n = samples.get(0).gradient().length;
            for (int s = 0; s < samples.size(); s++) {
                ArchitectureReference.Sample ref = samples.get(s);
                double outScale = maxAbs(ref.outputs());
                for (int j = 0; j < c; j++) {
                    assertThat(outputs[s * c + j]).as("%s sample %d output %d", name, s, j).isCloseTo(ref.outputs()[j], within(FLOAT64 * outScale));
                }
                double gScale = maxAbs(ref.gradient());
                for (int i = 0; i < n; i++) {
                    assertThat(g[s * n + i]).as("%s sample %d gradient %d", name, s, i).isCloseTo(ref.gradient()[i], within(FLOAT64 * gScale));
                }
            }
            ArchitectureReference.Sample first = samples.get(0);
            double[] ig = rightRiemannIntegratedGradients(model, x.get(0).expandDims(0), targets[0], reference.integratedGradients().steps());
            double igScale = maxAbs(first.integratedGradients());
            for (int i = 0; i < n; i++) {
                assertThat(ig[i]).as("%s sample 0 IG %d", name, i).isCloseTo(first.integratedGradients()[i], within(FLOAT64 * igScale));
            }
            ArchitectureReference.Box box = reference.box();
            for (ArchitectureReference.Point p : box.points()) {
                NDArray at = batch.create(p.point(), new Shape(Shapes.withBatch(1, reference.explained().shape()))).toType(DataType.FLOAT64, false);
                double[] found = model.gradients(at, batch.create(new long[] {box.target()}), TargetKind.LOGIT).gradient().toDoubleArray();
                double scale = maxAbs(p.gradient());
                for (int i = 0; i < found.length; i++) {
                    assertThat(found[i]).as("%s box point gradient %d", name, i).isCloseTo(p.gradient()[i], within(FLOAT64 * scale));
                }
            }
            ArchitectureReference.HessianVectorProduct hvp = reference.hessianVectorProduct();
            if (hvp != null) {
                NDArray at = x.get(hvp.sample()).expandDims(0);
                NDArray v = batch.create(hvp.direction(), at.getShape()).toType(DataType.FLOAT64, false);
                double[] product = new HessianVectorProduct(model).apply(at, batch.create(new long[] {hvp.target()}), TargetKind.LOGIT, v)
                        .toDoubleArray();
                double scale = maxAbs(hvp.product());
                for (int i = 0; i < product.length; i++) {
                    assertThat(product[i]).as("%s (H v)[%d]", name, i).isCloseTo(hvp.product()[i], within(1e-7 * scale));
                }
            }
        }
    }

    /**
     * Gradient × input of every sample, and SmoothGrad of sample 0 computed in a batch of all samples, equal torch's
     * float64 values. SmoothGrad's noise set is part of the fixture ({@code smoothgrad.json}): the tool draws it as
     * Stabilis does ({@code java.util.Random(seed)}), so the test first checks that Stabilis perturbs the input by
     * exactly those values, then that the mean gradient over the noisy points is torch's.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void gradientTimesInputAndSmoothGradReproduceTorch(String name) {
        ArchitectureReference reference = ArchitectureFixtures.reference(name);
        ArchitectureSmoothGrad smooth = ArchitectureFixtures.smoothGrad(name);
        Graph graph = graph(name, reference);
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            NDArray x = inputs(batch, reference);
            List<ArchitectureReference.Sample> samples = reference.samples();
            NDArray classes = batch.create(samples.stream().mapToLong(ArchitectureReference.Sample::predicted).toArray());
            int n = samples.get(0).gradientTimesInput().length;
            double[] gxi = new GradientTimesInput().attribute(model, x, classes, TargetKind.LOGIT).values().toDoubleArray();
            for (int s = 0; s < samples.size(); s++) {
                double[] expected = samples.get(s).gradientTimesInput();
                double scale = maxAbs(expected);
                for (int i = 0; i < n; i++) {
                    assertThat(gxi[s * n + i]).as("%s sample %d gradient × input %d", name, s, i).isCloseTo(expected[i], within(FLOAT64 * scale));
                }
            }

            assertThat(smooth.target()).as("SmoothGrad explains the predicted class").isEqualTo(samples.get(smooth.sample()).predicted());
            float[] sigma = new float[n];
            java.util.Arrays.fill(sigma, smooth.sigma());
            SmoothGrad smoothGrad = new SmoothGrad(smooth.samples(), sigma, smooth.seed());
            assertThat(smoothGrad.noise()).as("%s: the noise Stabilis draws is the fixture's noise set", name).containsExactly(smooth.noise());
            double[] sg = smoothGrad.attribute(model, x, classes, TargetKind.LOGIT).values().toDoubleArray();
            double scale = maxAbs(smooth.smoothGrad());
            for (int i = 0; i < n; i++) {
                assertThat(sg[smooth.sample() * n + i]).as("%s sample %d SmoothGrad %d", name, smooth.sample(), i)
                        .isCloseTo(smooth.smoothGrad()[i], within(FLOAT64 * scale));
            }
        }
    }

    /**
     * IG by the reference's rule (zero baseline, right Riemann sum over α = k/m), from the engine's gradients at all m
     * path points in one pass.
     */
    private static double[] rightRiemannIntegratedGradients(GraphModel model, NDArray x, long target, int steps) {
        double[] alphas = new double[steps];
        for (int k = 1; k <= steps; k++) {
            alphas[k - 1] = (double) k / steps;
        }
        NDManager batch = x.getManager();
        NDArray alpha = batch.create(alphas).reshape(new Shape(Shapes.perRow(steps, x.getShape().dimension())));
        long[] targets = new long[steps];
        java.util.Arrays.fill(targets, target);
        double[] g = model.gradients(alpha.mul(x), batch.create(targets), TargetKind.LOGIT).gradient().toDoubleArray();
        double[] xs = x.toDoubleArray();
        double[] ig = new double[xs.length];
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < xs.length; i++) {
                ig[i] += g[k * xs.length + i];
            }
        }
        for (int i = 0; i < xs.length; i++) {
            ig[i] = xs[i] * ig[i] / steps;
        }
        return ig;
    }

    /**
     * The engine's Integrated Gradients (float32 production model, midpoint rule, 256 steps first) is complete to within
     * 1 % of the score change on every fixture: a row whose gap is over the tolerance has its steps tripled (768, then
     * 2,304) until it is within. The paths of these random networks are rough (ReLU/MaxPool kinks, a LayerNorm spike
     * near the zero baseline), so the midpoint rule converges about as 1/m, not 1/m²: at 256 steps alone the gap was
     * 1.42 % on MobileNetV2, 2.54 % on ShuffleNetV2 and 1.62 % on the torch TransformerEncoder. That the engine
     * computes IG's path gradients exactly is {@link #theEngineReproducesTorchInFloat64}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void integratedGradientsIsCompleteToOnePercent(String name) {
        ArchitectureReference reference = ArchitectureFixtures.reference(name);
        Graph graph = graph(name, reference);
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            float[] row = reference.inputs()[0];
            int[] target = {reference.samples().get(0).predicted()};
            Explanation refined = new Attributor(model, new IntegratedGradients(256, null, new IntegratedGradients.Convergence(0.01, 2304)))
                    .explain(new float[][] {row}, target).get(0);
            System.out.printf("%s: IG relative completeness gap %.3g, refined from 256 steps%n", name, refined.relativeCompletenessGap());
            assertThat(refined.relativeCompletenessGap()).as("%s relative completeness gap", name).isLessThan(0.01);
        }
    }

    /**
     * Interval gradient bounds over the reference box (ε = 0.01 around sample 0, clipped to the image domain) contain
     * torch's gradients at the reference points and the engine's at 16 uniform points and 8 vertices of the box. The
     * Hessian-steered ascent of the thorough search is left to the soundness suites on the small fixtures
     * (GradientBoundsSoundnessTest, LinearGradientBoundsTest, OperatorSoundnessTest), where every rule these nets use
     * is attacked one operator at a time: on DenseNet-121 it alone took over a minute.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void intervalBoundsHoldAtReferenceAndSearchedPoints(String name) {
        ArchitectureReference reference = ArchitectureFixtures.reference(name);
        ArchitectureReference.Box box = reference.box();
        Graph graph = graph(name, reference);
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu());
                NDManager batch = bounds.model().manager().newSubManager();
                BoxSearch search = new BoxSearch(graph, bounds.model(), new BoxSearch.Budget(16, 8, 0, 0))) {
            float[] row = reference.inputs()[box.sample()];
            double[] lo = new double[row.length];
            double[] hi = new double[row.length];
            for (int i = 0; i < row.length; i++) {
                lo[i] = row[i] - box.epsilon();
                hi[i] = row[i] + box.epsilon();
                if (box.domain() != null) {
                    lo[i] = Math.max(box.domain()[0], lo[i]);
                    hi[i] = Math.min(box.domain()[1], hi[i]);
                }
            }
            Shape shape = new Shape(Shapes.withBatch(1, reference.explained().shape()));
            IntervalBounds b = bounds.bounds(batch.create(lo, shape), batch.create(hi, shape), batch.create(new long[] {box.target()}),
                    TargetKind.LOGIT, 0);
            double[] gl = b.gradientLower().toDoubleArray();
            double[] gu = b.gradientUpper().toDoubleArray();
            double scale = Math.max(maxAbs(gl), maxAbs(gu));
            double tolerance = 1e-9 * scale;
            int escapes = 0;
            for (ArchitectureReference.Point p : box.points()) {
                escapes += outside(p.gradient(), gl, gu, tolerance);
            }
            double[][] points = search.points(batch, lo, hi, reference.samples().get(box.sample()).gradient(), box.target(), TargetKind.LOGIT, 3);
            for (double[] found : search.gradients(batch, points, box.target(), TargetKind.LOGIT)) {
                escapes += outside(found, gl, gu, tolerance);
            }
            System.out.printf("%s: interval bound mean width %.4g over ε = %s (gradient scale %.4g)%n", name,
                    meanWidth(gl, gu), box.epsilon(), maxAbs(reference.samples().get(box.sample()).gradient()));
            assertThat(escapes).as("%s: gradient coordinates outside the bounds", name).isZero();
        }
    }

    private static int outside(double[] g, double[] lo, double[] hi, double tolerance) {
        int count = 0;
        for (int i = 0; i < g.length; i++) {
            if (!(g[i] >= lo[i] - tolerance && g[i] <= hi[i] + tolerance)) {
                count++;
            }
        }
        return count;
    }

    private static double meanWidth(double[] lo, double[] hi) {
        double w = 0;
        for (int i = 0; i < lo.length; i++) {
            w += hi[i] - lo[i];
        }
        return w / lo.length;
    }

    private static double maxAbs(double[] v) {
        double m = 1e-300;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }
}
