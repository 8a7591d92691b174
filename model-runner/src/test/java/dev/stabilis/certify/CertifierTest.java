package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.ArchitectureFixtures;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class CertifierTest {

    private static final double[] UNIT_MIN = {0};
    private static final double[] UNIT_MAX = {1};

    static CertifySettings settings(double epsilon, int leaves, boolean radius) {
        return new CertifySettings(epsilon, 5, TargetKind.LOGIT, 0, Splitting.upTo(leaves), radius, 0.1, 12, UNIT_MIN, UNIT_MAX);
    }

    @Test
    void boundsCollapseToTheGradientAsEpsilonVanishesAndAreNestedInEpsilon() {
        Fixture fixture = Fixture.load("digits_mlp_softplus");
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu())) {
            List<CertifiedSample> tiny = new Certifier(bounds, settings(1e-12, 1, false)).certify(fixture.inputs());
            for (CertifiedSample s : tiny) {
                for (int i = 0; i < s.gradient().length; i++) {
                    assertThat(s.upper()[i] - s.gradient()[i]).isBetween(0.0, 1e-6);
                    assertThat(s.gradient()[i] - s.lower()[i]).isBetween(0.0, 1e-6);
                }
            }
            double[] epsilons = {0.001, 0.005, 0.02, 0.08};
            List<CertifiedSample> previous = null;
            for (double eps : epsilons) {
                List<CertifiedSample> now = new Certifier(bounds, settings(eps, 1, false)).certify(fixture.inputs());
                if (previous != null) {
                    for (int s = 0; s < now.size(); s++) {
                        for (int i = 0; i < now.get(s).lower().length; i++) {
                            // to the last ulp, as in GradientBoundsSoundnessTest
                            double ulps = 1e-12 * Math.max(1, Math.abs(previous.get(s).lower()[i]) + Math.abs(previous.get(s).upper()[i]));
                            assertThat(now.get(s).lower()[i]).isLessThanOrEqualTo(previous.get(s).lower()[i] + ulps);
                            assertThat(now.get(s).upper()[i]).isGreaterThanOrEqualTo(previous.get(s).upper()[i] - ulps);
                        }
                        if (now.get(s).certificate().topk()) {
                            assertThat(previous.get(s).certificate().topk()).as("certified at a larger ε, so at a smaller").isTrue();
                        }
                    }
                }
                previous = now;
            }
        }
    }

    @Test
    void repeatedBatchesLeaveNoArraysInTheModelsManager() {
        // a leak here grows the runner's heap and native memory with every batch (found by SoakIT)
        Fixture fixture = Fixture.load("digits_mlp_relu");
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu())) {
            Certifier certifier = new Certifier(bounds, settings(0.001, 2, true));
            certifier.certify(fixture.inputs());
            int held = bounds.model().manager().getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                certifier.certify(fixture.inputs());
            }
            assertThat(bounds.model().manager().getManagedArrays()).as("arrays in the model's manager after five more batches")
                    .hasSize(held);
        }
    }

    @Test
    void theCertifiedRadiusIsCertifiedAndTheBracketAboveItIsNot() {
        Fixture fixture = Fixture.load("digits_mlp_relu");
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu())) {
            CertifySettings search = settings(0.001, 1, true);
            double tolerance = search.radiusMax() / (1 << search.radiusSteps());
            List<CertifiedSample> out = new Certifier(bounds, search).certify(fixture.inputs());
            for (int s = 0; s < out.size(); s++) {
                double radius = out.get(s).certificate().radius();
                assertThat(radius).isBetween(0.0, search.radiusMax());
                float[][] one = {fixture.inputs()[s]};
                if (radius > 0) {
                    assertThat(new Certifier(bounds, settings(radius, 1, false)).certify(one).get(0).certificate().topk())
                            .as("sample %d certified at its radius %.6g", s, radius).isTrue();
                }
                if (radius < search.radiusMax()) {
                    assertThat(new Certifier(bounds, settings(radius + tolerance, 1, false)).certify(one).get(0).certificate().topk())
                            .as("sample %d not certified one tolerance above %.6g", s, radius).isFalse();
                }
            }
        }
    }

    @Test
    void inputSplittingIsSoundAndNeverLooser() {
        Fixture fixture = Fixture.load("breast_cancer_mlp_tanh");
        double[] min = {0};
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu());
                BoxSearch search = new BoxSearch(bounds.graph(), bounds.model());
                NDManager manager = bounds.model().manager().newSubManager()) {
            double eps = 0.5;
            CertifySettings plain = new CertifySettings(eps, 5, TargetKind.LOGIT, 0, Splitting.NONE, false, 1, 1, min, new double[] {5000});
            CertifySettings split = new CertifySettings(eps, 5, TargetKind.LOGIT, 0, Splitting.upTo(16), false, 1, 1, min, new double[] {5000});
            float[][] rows = java.util.Arrays.copyOf(fixture.inputs(), 2);
            List<CertifiedSample> a = new Certifier(bounds, plain).certify(rows);
            List<CertifiedSample> b = new Certifier(bounds, split).certify(rows);
            double widthPlain = 0;
            double widthSplit = 0;
            for (int s = 0; s < rows.length; s++) {
                CertifiedSample p = a.get(s);
                CertifiedSample q = b.get(s);
                double[] lo = new double[rows[s].length];
                double[] hi = new double[rows[s].length];
                for (int i = 0; i < lo.length; i++) {
                    assertThat(q.lower()[i]).isGreaterThanOrEqualTo(p.lower()[i] - 1e-12);
                    assertThat(q.upper()[i]).isLessThanOrEqualTo(p.upper()[i] + 1e-12);
                    widthPlain += p.upper()[i] - p.lower()[i];
                    widthSplit += q.upper()[i] - q.lower()[i];
                    lo[i] = Math.max(0, rows[s][i] - eps);
                    hi[i] = Math.min(5000, rows[s][i] + eps);
                }
                double[][] points = search.points(manager, lo, hi, q.gradient(), q.predicted(), TargetKind.LOGIT, s);
                double[][] found = search.gradients(manager, points, q.predicted(), TargetKind.LOGIT);
                for (double[] f : found) {
                    for (int i = 0; i < f.length; i++) {
                        if (f[i] < q.lower()[i] - 1e-10 || f[i] > q.upper()[i] + 1e-10) {
                            fail("split bound escaped: gradient[%d] = %g outside [%g, %g]", i, f[i], q.lower()[i], q.upper()[i]);
                        }
                    }
                }
            }
            assertThat(b).extracting(CertifiedSample::leaves).as("nothing certified: every box split as far as allowed").containsOnly(16);
            assertThat(widthSplit).as("splitting tightens").isLessThan(widthPlain);
        }
    }

    @Test
    void splittingRefinesOnlyTheSamplesTheWholeBoxLeavesUncertified() {
        Fixture fixture = Fixture.load("breast_cancer_mlp_tanh");
        double[] min = {0};
        double[] max = {5000};
        double eps = 1e-4;
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu())) {
            float[][] rows = fixture.inputs();
            List<CertifiedSample> whole = new Certifier(bounds,
                    new CertifySettings(eps, 5, TargetKind.LOGIT, 0, Splitting.NONE, false, 1, 1, min, max)).certify(rows);
            List<CertifiedSample> split = new Certifier(bounds,
                    new CertifySettings(eps, 5, TargetKind.LOGIT, 0, Splitting.upTo(64), false, 1, 1, min, max)).certify(rows);
            int gained = 0;
            for (int s = 0; s < rows.length; s++) {
                CertifiedSample w = whole.get(s);
                CertifiedSample p = split.get(s);
                if (w.certificate().topk()) {
                    assertThat(p.leaves()).as("sample %d: certified whole, never split", s).isEqualTo(1);
                    assertThat(p.lower()).isEqualTo(w.lower());
                    assertThat(p.upper()).isEqualTo(w.upper());
                    assertThat(p.certificate().topk()).isTrue();
                } else if (p.certificate().topk()) {
                    gained++;
                    assertThat(p.leaves()).as("sample %d: split until certified", s).isBetween(2, 64);
                } else {
                    assertThat(p.leaves()).as("sample %d: split as far as allowed", s).isEqualTo(64);
                }
            }
            assertThat(gained).as("samples certified by splitting alone").isPositive();
        }
    }

    @Test
    void theUnionOverSplitLeavesHoldsEveryGradientOfTheBox() {
        // f0 = tanh(4·x1) + 1.5·tanh(x2), f1 = 0: ∂f0/∂x1 = 4·sech²(4·x1), ∂f0/∂x2 = 1.5·sech²(x2), known exactly. Around
        // (0.3, 0.5) with ε = 0.2 their ranges overlap, so the top-1 feature is never certified and every box is split as
        // far as allowed; on leaves that small interval bounds are nearly tight, so a leaf left out of the union shows.
        Graph graph = Graph.chain(new long[] {2}, List.of(
                new Dense(new HostTensor(new long[] {2, 2}, new double[] {4, 0, 0, 1}), null),
                Activation.of(Activation.Kind.TANH),
                new Dense(new HostTensor(new long[] {2, 2}, new double[] {1, 1.5, 0, 0}), null)));
        double eps = 0.2;
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu())) {
            CertifiedSample split = new Certifier(bounds, new CertifySettings(eps, 1, TargetKind.LOGIT, 0, Splitting.upTo(64),
                    false, 1, 1, new double[] {-10}, new double[] {10})).certify(new float[][] {{0.3f, 0.5f}}).get(0);
            assertThat(split.leaves()).isEqualTo(64);
            assertThat(split.certificate().topk()).isFalse();
            int grid = 400;
            for (int i = 0; i <= grid; i++) {
                for (int j = 0; j <= grid; j++) {
                    double x1 = 0.3f - eps + 2 * eps * i / grid;
                    double x2 = 0.5f - eps + 2 * eps * j / grid;
                    double[] g = {4 * sech2(4 * x1), 1.5 * sech2(x2)};
                    for (int f = 0; f < 2; f++) {
                        if (g[f] < split.lower()[f] - 1e-12 || g[f] > split.upper()[f] + 1e-12) {
                            fail("gradient[%d] = %.12f at (%.4f, %.4f) outside [%.12f, %.12f]", f, g[f], x1, x2,
                                    split.lower()[f], split.upper()[f]);
                        }
                    }
                }
            }
            assertThat(split.upper()[0] - split.lower()[0]).as("nearly tight: the exact range is [0.28, 3.42]")
                    .isLessThan(1.1 * (4 * sech2(4 * (0.3f - eps)) - 4 * sech2(4 * (0.3f + eps))));
        }
    }

    private static double sech2(double z) {
        double c = Math.cosh(z);
        return 1 / (c * c);
    }

    @Test
    void splittingStopsWhenItsTimeBudgetIsSpent() {
        Fixture fixture = Fixture.load("breast_cancer_mlp_tanh");
        double[] min = {0};
        double[] max = {5000};
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu())) {
            float[][] rows = fixture.inputs();
            List<CertifiedSample> whole = new Certifier(bounds,
                    new CertifySettings(0.5, 5, TargetKind.LOGIT, 0, Splitting.NONE, false, 1, 1, min, max)).certify(rows);
            // a nanosecond per sample: the unsplit pass alone takes longer, so no round of splitting fits
            List<CertifiedSample> spent = new Certifier(bounds,
                    new CertifySettings(0.5, 5, TargetKind.LOGIT, 0, new Splitting(256, 1e-6), false, 1, 1, min, max)).certify(rows);
            for (int s = 0; s < rows.length; s++) {
                assertThat(spent.get(s).leaves()).isEqualTo(1);
                assertThat(spent.get(s).lower()).isEqualTo(whole.get(s).lower());
                assertThat(spent.get(s).upper()).isEqualTo(whole.get(s).upper());
            }
        }
    }

    @Test
    void parameterBoxesAreSoundForPerturbedWeights() {
        Fixture fixture = Fixture.load("digits_mlp_softplus");
        double gamma = 0.01;
        double eps = 0.005;
        dev.stabilis.graph.Graph graph = OnnxImporter.read(fixture.onnx());
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu())) {
            CertifySettings settings = new CertifySettings(eps, 5, TargetKind.LOGIT, gamma, Splitting.NONE, false, 1, 1, UNIT_MIN, UNIT_MAX);
            float[][] rows = java.util.Arrays.copyOf(fixture.inputs(), 2);
            List<CertifiedSample> boxed = new Certifier(bounds, settings).certify(rows);
            List<CertifiedSample> exact = new Certifier(bounds, settings(eps, 1, false)).certify(rows);
            java.util.Random random = new java.util.Random(5);
            for (int draw = 0; draw < 12; draw++) {
                dev.stabilis.graph.Graph perturbed = ParameterDraws.perturb(graph, gamma, random);
                try (dev.stabilis.engine.GraphModel model = dev.stabilis.engine.GraphModel.load(perturbed, Device.cpu(),
                        ai.djl.ndarray.types.DataType.FLOAT64); NDManager manager = model.manager().newSubManager()) {
                    for (int s = 0; s < rows.length; s++) {
                        int n = rows[s].length;
                        double[] flat = new double[50 * n];
                        for (int p = 0; p < 50; p++) {
                            for (int i = 0; i < n; i++) {
                                double x = rows[s][i] + eps * (2 * random.nextDouble() - 1);
                                flat[p * n + i] = Math.min(1, Math.max(0, x));
                            }
                        }
                        long[] classes = new long[50];
                        java.util.Arrays.fill(classes, boxed.get(s).predicted());
                        NDArray x = manager.create(flat, new Shape(Shapes.withBatch(50, graph.inputSampleShape())));
                        double[] g = model.gradients(x, manager.create(classes), TargetKind.LOGIT).gradient().toDoubleArray();
                        for (int k = 0; k < g.length; k++) {
                            int i = k % n;
                            if (g[k] < boxed.get(s).lower()[i] - 1e-10 || g[k] > boxed.get(s).upper()[i] + 1e-10) {
                                fail("draw %d sample %d: gradient[%d] = %g outside parameter-box bounds [%g, %g]", draw, s, i,
                                        g[k], boxed.get(s).lower()[i], boxed.get(s).upper()[i]);
                            }
                        }
                    }
                }
            }
            for (int s = 0; s < rows.length; s++) {
                assertThat(boxed.get(s).certificate().maxDeviationLinf())
                        .isGreaterThan(exact.get(s).certificate().maxDeviationLinf());
            }
        }
    }

    @Test
    void invalidSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> settings(-1, 1, false)).hasMessageContaining("epsilon");
        assertThatThrownBy(() -> settings(0.1, 3, false)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new CertifySettings(0.1, 0, TargetKind.LOGIT, 0, Splitting.NONE, false, 1, 1, UNIT_MIN, UNIT_MAX))
                .hasMessageContaining("k must be");
        assertThatThrownBy(() -> new CertifySettings(0.1, 5, TargetKind.LOGIT, 1.5, Splitting.NONE, false, 1, 1, UNIT_MIN, UNIT_MAX))
                .hasMessageContaining("gamma");
    }

    @Test
    void aBoundPassHoldsTheBoxesTheMemoryBudgetAffordsAtLeastOneAndAtMostTheFixedLimit() {
        // 10 inputs → Dense 100×10 → ReLU → Dense 3×100: values of 10, 100, 100 and 3 elements per sample
        Graph mlp = Graph.chain(new long[] {10}, List.of(
                new Dense(new HostTensor(new long[] {100, 10}, new double[1000]), null),
                Activation.of(Activation.Kind.RELU),
                new Dense(new HostTensor(new long[] {3, 100}, new double[300]), null)));
        long box = 20 * 8 * (10 + 100 + 100 + 3);
        assertThat(Certifier.bytesPerBox(mlp)).as("20 float64 arrays of every value").isEqualTo(box);

        assertThat(Certifier.rowsPerPass(mlp, 7 * box + box - 1)).isEqualTo(7);
        assertThat(Certifier.rowsPerPass(mlp, box - 1)).as("one box whatever it costs").isEqualTo(1);
        assertThat(Certifier.rowsPerPass(mlp, Long.MAX_VALUE)).isEqualTo(Certifier.ROWS_PER_PASS);
        assertThatThrownBy(() -> Certifier.rowsPerPass(mlp, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 byte");
    }

    /**
     * On a CPU with two intra-op threads a call's rows are split between two threads, each computing its range as a pass
     * of its own: each row gets the bounds (to rounding) and certificates it gets on one thread.
     */
    @Test
    void rowsSplitOverThreadsCertifyWhatOneThreadCertifies() {
        Fixture fixture = Fixture.load("digits_mlp_softplus");
        float[][] inputs = fixture.inputs();
        float[][] rows = new float[48][]; // enough rows for two threads' shares: the fixture's, each moved a little
        for (int r = 0; r < rows.length; r++) {
            rows[r] = inputs[r % inputs.length].clone();
            for (int i = 0; i < rows[r].length; i++) {
                rows[r][i] = Math.min(1, rows[r][i] + 0.002f * (r / inputs.length));
            }
        }
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu(), GradientBounds.LINEAR, 0)) {
            Certifier certifier = new Certifier(bounds, settings(0.005, 1, true));
            ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
            assertThat(certifier.rowThreadsFor(rows.length)).isEqualTo(1);
            List<CertifiedSample> one = certifier.certify(rows);
            ai.djl.pytorch.jni.JniUtils.setNumThreads(2);
            assertThat(certifier.rowThreadsFor(rows.length)).isEqualTo(2);
            List<CertifiedSample> split = certifier.certify(rows);
            assertSameCertification(split, one, 1e-9, "split over two threads");
        }
        try (GradientBounds optimised = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu(), GradientBounds.LINEAR, 2);
                GradientBounds interval = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu())) {
            assertThat(new Certifier(optimised, settings(0.005, 1, false)).rowThreadsFor(rows.length))
                    .as("α steps record through DJL's one gradient collector").isEqualTo(1);
            assertThat(new Certifier(interval, settings(0.005, 1, false)).rowThreadsFor(rows.length)).as("the interval method").isEqualTo(1);
            assertThat(new Certifier(optimised, settings(0.005, 1, false)).certify(java.util.Arrays.copyOf(rows, 24))).hasSize(24);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }

    @Test
    void passesOfOneBoxCertifyWhatOnePassOfAllBoxesCertifies() {
        Fixture fixture = Fixture.load("digits_mlp_softplus");
        float[][] rows = java.util.Arrays.copyOf(fixture.inputs(), 6);
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu())) {
            for (int leaves : new int[] {1, 4}) {
                CertifySettings settings = settings(0.002, leaves, true);
                List<CertifiedSample> together = new Certifier(bounds, settings).certify(rows);
                List<CertifiedSample> apart = new Certifier(bounds, settings, 1).certify(rows);
                // float64 kernels may sum in another order for another batch size: equal to rounding, not bitwise
                assertSameCertification(apart, together, 1e-12, leaves + " leaves");
            }
            assertThatThrownBy(() -> new Certifier(bounds, settings(0.002, 1, false), 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least 1 row");
        }
    }

    /**
     * Each sample of {@code actual} has the prediction, top-k set and radius (to 1e-9) of {@code expected}'s, and bounds
     * within {@code relative} of them (times 1 + the coordinate's bound sizes).
     */
    private static void assertSameCertification(List<CertifiedSample> actual, List<CertifiedSample> expected, double relative, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int s = 0; s < actual.size(); s++) {
            CertifiedSample a = actual.get(s);
            CertifiedSample t = expected.get(s);
            assertThat(a.predicted()).as("sample %d, %s", s, what).isEqualTo(t.predicted());
            for (int i = 0; i < a.lower().length; i++) {
                double tolerance = relative * Math.max(1, Math.abs(t.lower()[i]) + Math.abs(t.upper()[i]));
                assertThat(a.lower()[i]).as("sample %d lower %d, %s", s, i, what).isCloseTo(t.lower()[i], Offset.offset(tolerance));
                assertThat(a.upper()[i]).as("sample %d upper %d, %s", s, i, what).isCloseTo(t.upper()[i], Offset.offset(tolerance));
            }
            assertThat(a.certificate().topk()).as("sample %d, %s", s, what).isEqualTo(t.certificate().topk());
            assertThat(a.certificate().radius()).as("sample %d, %s", s, what).isCloseTo(t.certificate().radius(), Offset.offset(1e-9));
        }
    }

    @Test
    void aResidualImageNetHoldsFarFewerBoxesPerPassThanTheFixedLimitUnderTheDefaultBudget() {
        Graph resnet = OnnxImporter.load(ArchitectureFixtures.materialise("resnet18"), null).graph();
        long perBox = Certifier.bytesPerBox(resnet);
        int boxes = Certifier.rowsPerPass(resnet, 1L << 30);

        assertThat(boxes).as("3×32×32: %d bytes per box", perBox).isBetween(2, Certifier.ROWS_PER_PASS / 4);
        assertThat(boxes * perBox).isLessThanOrEqualTo(1L << 30);
        try (GradientBounds bounds = GradientBounds.load(resnet, Device.cpu())) {
            assertThat(new Certifier(bounds, settings(0.002, 1, false)).rowsPerPass())
                    .as("a certifier without a budget: the default 1 GiB").isEqualTo(boxes);
        }
        // at 224×224 every feature map has 49 times the elements: one box per pass, whatever it costs
        assertThat(Certifier.rowsPerPass(resnet, (1L << 30) / 49)).isEqualTo(1);
    }
}
