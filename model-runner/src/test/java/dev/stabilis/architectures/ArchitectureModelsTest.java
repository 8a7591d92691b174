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
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.certify.BoxSearch;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.certify.IntervalBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.ArchitectureFixtures;
import dev.stabilis.fixtures.ArchitectureReference;
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
 * float64 reproduces torch's float64 outputs, input gradients, gradients along the IG path and at points of a box,
 * and Hessian-vector products; their interval gradient bounds hold at every reference point and every point a box
 * search finds. Token-id models are covered where embedding inputs are supported.
 */
class ArchitectureModelsTest {

    /** float64 against float64: only the order of summation differs. */
    private static final double FLOAT64 = 1e-9;

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
                double[] ig = rightRiemannIntegratedGradients(model, batch, x.get(s).expandDims(0), targets[s], reference.integratedGradients().steps());
                double igScale = maxAbs(ref.integratedGradients());
                for (int i = 0; i < n; i++) {
                    assertThat(ig[i]).as("%s sample %d IG %d", name, s, i).isCloseTo(ref.integratedGradients()[i], within(FLOAT64 * igScale));
                }
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

    /** IG by the reference's rule (zero baseline, right Riemann sum over k/m), from the engine's gradients. */
    private static double[] rightRiemannIntegratedGradients(GraphModel model, NDManager batch, NDArray x, long target, int steps) {
        double[] sum = null;
        for (int k = 1; k <= steps; k++) {
            NDArray point = x.mul((double) k / steps);
            double[] g = model.gradients(point, batch.create(new long[] {target}), TargetKind.LOGIT).gradient().toDoubleArray();
            if (sum == null) {
                sum = new double[g.length];
            }
            for (int i = 0; i < g.length; i++) {
                sum[i] += g[i];
            }
        }
        double[] xs = x.toDoubleArray();
        for (int i = 0; i < sum.length; i++) {
            sum[i] = xs[i] * sum[i] / steps;
        }
        return sum;
    }

    /**
     * The engine's Integrated Gradients (midpoint rule, float32 production model) is complete to within 1 % of the
     * score change at 256 steps wherever torch's right Riemann sum is at 256 steps, and at most as incomplete
     * otherwise (random deep networks have score paths too rough for any fixed step count).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void integratedGradientsIsAsCompleteAsTorchsRiemannSum(String name) {
        ArchitectureReference reference = ArchitectureFixtures.reference(name);
        Graph graph = graph(name, reference);
        double torchGap = reference.completenessGapRelativeBySteps().get("256");
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            float[] row = reference.inputs()[0];
            Explanation e = new Attributor(model, new IntegratedGradients(256, null)).explain(new float[][] {row},
                    new int[] {reference.samples().get(0).predicted()}).get(0);
            double gap = Math.abs(e.completenessGap()) / Math.abs(e.scoreDelta());
            System.out.printf("%s: IG-256 relative completeness gap %.3g (torch right Riemann %.3g)%n", name, gap, torchGap);
            assertThat(gap).as("%s relative completeness gap", name).isLessThan(Math.max(0.01, 1.5 * torchGap));
        }
    }

    /**
     * Interval gradient bounds over the reference box (ε = 0.01 around sample 0, clipped to the image domain) contain
     * torch's gradients at the reference points and the engine's at every point of a small box search.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void intervalBoundsHoldAtReferenceAndSearchedPoints(String name) {
        ArchitectureReference reference = ArchitectureFixtures.reference(name);
        ArchitectureReference.Box box = reference.box();
        Graph graph = graph(name, reference);
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu());
                NDManager batch = bounds.model().manager().newSubManager();
                BoxSearch search = new BoxSearch(graph, bounds.model(), new BoxSearch.Budget(48, 16, 2, 4))) {
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
            double[] centre = new double[row.length];
            for (int i = 0; i < row.length; i++) {
                centre[i] = row[i];
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
