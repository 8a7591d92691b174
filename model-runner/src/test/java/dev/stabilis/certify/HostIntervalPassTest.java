package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.engine.HostDenseNetwork;
import dev.stabilis.engine.IntraOpCount;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Graph;
import dev.stabilis.onnx.OnnxImporter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host pass computes what the tensor pass computes, for the networks it takes: the same bounds to the rounding of
 * another summation order, the same point gradients and classes, bounds that no point found in the box escapes, and
 * through the {@link Certifier} the same certificates and radii as a device pass.
 */
class HostIntervalPassTest {

    private static final Fixture RELU = Fixture.load("digits_mlp_relu");
    /** Box half-widths from a point to the whole [0, 1] domain (the last one makes every ReLU unstable). */
    private static final double[] EPSILONS = {0, 1e-6, 0.001, 0.005, 0.05, 0.5};

    @Test
    void takesTheIntervalMethodOnADenseReluNetworksOwnConstantsOnly() {
        Graph relu = OnnxImporter.read(RELU.onnx());
        try (GradientBounds interval = GradientBounds.load(relu, Device.cpu());
                GradientBounds linear = GradientBounds.load(relu, Device.cpu(), GradientBounds.LINEAR);
                GradientBounds softplus = GradientBounds.load(OnnxImporter.read(Fixture.load("digits_mlp_softplus").onnx()),
                        Device.cpu())) {
            assertThat(HostIntervalPass.of(interval)).isPresent();
            assertThat(HostIntervalPass.of(linear)).as("the linear method keeps its own bounds").isEmpty();
            assertThat(HostIntervalPass.of(softplus)).as("not a dense ReLU network").isEmpty();
            IntervalGradientBounds swapped = new IntervalGradientBounds(interval.model(),
                    IntervalRules.of(interval.model()));
            assertThat(HostIntervalPass.of(swapped)).as("rules a test swapped in are not the graph's").isEmpty();
        }
    }

    @Test
    void aCertifyCallTakesTheHostPassUpToItsMultiplyAddsPerThread() {
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(RELU.onnx()), Device.cpu());
                IntraOpCount two = IntraOpCount.set(2)) {
            HostIntervalPass host = HostIntervalPass.of(bounds).orElseThrow();
            int perThread = (int) (HostIntervalPass.MAX_MULTIPLY_ADDS / bounds.graph().multiplyAddsPerSample());
            assertThat(perThread).as("rows of the digits MLP").isEqualTo(160);
            assertThat(host.threadsFor(1)).isEqualTo(1);
            assertThat(host.threadsFor(2 * perThread)).isEqualTo(2);
            assertThat(host.threadsFor(2 * perThread + 1)).as("a tensor pass").isZero();
            try (IntraOpCount one = IntraOpCount.set(1)) {
                assertThat(host.threadsFor(perThread)).isEqualTo(1);
                assertThat(host.threadsFor(perThread + 1)).as("a tensor pass").isZero();
            }
        }
    }

    @ParameterizedTest(name = "γ = {0}")
    @ValueSource(doubles = {0, 1e-3})
    void boundsAreTheTensorPassesToRounding(double gamma) {
        float[][] rows = RELU.inputs();
        int n = rows.length;
        int size = rows[0].length;
        double[] x = flat(rows);
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(RELU.onnx()), Device.cpu());
                NDManager manager = bounds.model().manager().newSubManager()) {
            HostIntervalPass host = HostIntervalPass.of(bounds).orElseThrow();
            int[] classes = host.point(x, n).classes();
            for (double epsilon : EPSILONS) {
                double[][] box = box(x, epsilon);
                HostIntervalPass.Bounds onHost = host.bounds(box[0], box[1], classes, n, gamma);
                Shape shape = new Shape(n, size);
                IntervalBounds onDevice = ((IntervalGradientBounds) bounds).tensorBounds(manager.create(box[0], shape), manager.create(box[1], shape),
                        manager.create(java.util.Arrays.stream(classes).asLongStream().toArray()), TargetKind.LOGIT, gamma);
                String where = "ε " + epsilon + ", γ " + gamma;
                assertClose(where + " gradient lower", onHost.gradientLower(), onDevice.gradientLower().toDoubleArray(), 1e-10);
                assertClose(where + " gradient upper", onHost.gradientUpper(), onDevice.gradientUpper().toDoubleArray(), 1e-10);
                assertClose(where + " logit lower", onHost.logitLower(), onDevice.logitLower().toDoubleArray(), 1e-10);
                assertClose(where + " logit upper", onHost.logitUpper(), onDevice.logitUpper().toDoubleArray(), 1e-10);
            }
        }
    }

    @Test
    void intervalBoundsOfLogitsTakeTheHostPassForTheCallsItTakesAndTensorOpsOtherwise() {
        float[][] rows = RELU.inputs();
        int n = 8;
        int size = rows[0].length;
        double[] x = flat(java.util.Arrays.copyOf(rows, n));
        double[][] box = box(x, 0.01);
        try (IntervalGradientBounds bounds = (IntervalGradientBounds) GradientBounds.load(OnnxImporter.read(RELU.onnx()), Device.cpu());
                NDManager manager = bounds.model().manager().newSubManager();
                IntraOpCount two = IntraOpCount.set(2)) {
            HostIntervalPass host = HostIntervalPass.of(bounds).orElseThrow();
            int[] classes = host.point(x, n).classes();
            Shape shape = new Shape(n, size);
            NDArray lower = manager.create(box[0], shape);
            NDArray upper = manager.create(box[1], shape);
            NDArray targets = manager.create(java.util.Arrays.stream(classes).asLongStream().toArray());

            IntervalBounds logits = bounds.bounds(lower, upper, targets, TargetKind.LOGIT, 1e-3);
            HostIntervalPass.Bounds expected = host.bounds(box[0], box[1], classes, n, 1e-3);
            assertThat(logits.gradientLower().getShape()).isEqualTo(shape);
            assertThat(logits.gradientLower().toDoubleArray()).as("the host pass's bits").containsExactly(expected.gradientLower());
            assertThat(logits.gradientUpper().toDoubleArray()).containsExactly(expected.gradientUpper());
            assertThat(logits.logitLower().getShape()).isEqualTo(new Shape(n, 10));
            assertThat(logits.logitLower().toDoubleArray()).containsExactly(expected.logitLower());
            assertThat(logits.logitUpper().toDoubleArray()).containsExactly(expected.logitUpper());

            IntervalBounds logProbabilities = bounds.bounds(lower, upper, targets, TargetKind.LOG_PROBABILITY, 0);
            assertThat(logProbabilities.gradientLower().toDoubleArray()).as("log-probabilities keep the tensor pass")
                    .containsExactly(bounds.tensorBounds(lower, upper, targets, TargetKind.LOG_PROBABILITY, 0).gradientLower().toDoubleArray());
        }
    }

    @Test
    void hostBoundsSplitOverThreadsAreTheBitsOfOneRangeAtATime() {
        double[] x = flat(RELU.inputs());
        int n = RELU.inputs().length;
        double[][] box = box(x, 0.02);
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(RELU.onnx()), Device.cpu())) {
            HostIntervalPass host = HostIntervalPass.of(bounds).orElseThrow();
            int[] classes = host.point(x, n).classes();
            HostIntervalPass.Bounds whole = host.bounds(box[0], box[1], classes, n, 0);
            HostIntervalPass.Bounds split = host.bounds(box[0], box[1], classes, n, 0, 3);
            assertThat(split.gradientLower()).containsExactly(whole.gradientLower());
            assertThat(split.gradientUpper()).containsExactly(whole.gradientUpper());
            assertThat(split.logitLower()).containsExactly(whole.logitLower());
            assertThat(split.logitUpper()).containsExactly(whole.logitUpper());
        }
    }

    @Test
    void noPointFoundInTheBoxHasAGradientOutsideTheHostBounds() {
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(RELU.onnx()), Device.cpu());
                BoxSearch search = new BoxSearch(bounds.graph(), bounds.model());
                NDManager manager = bounds.model().manager().newSubManager()) {
            HostIntervalPass host = HostIntervalPass.of(bounds).orElseThrow();
            int checked = 0;
            for (int s = 0; s < 3; s++) {
                double[] x = flat(new float[][] {RELU.samples().get(s).input()});
                int target = RELU.samples().get(s).predicted();
                double[] g = search.gradients(manager, new double[][] {x}, target, TargetKind.LOGIT)[0];
                for (double epsilon : new double[] {0.002, 0.01, 0.05}) {
                    double[][] box = box(x, epsilon);
                    HostIntervalPass.Bounds b = host.bounds(box[0], box[1], new int[] {target}, 1, 0);
                    double[][] points = search.points(manager, box[0], box[1], g, target, TargetKind.LOGIT, 17L * s + 3);
                    double[][] found = search.gradients(manager, points, target, TargetKind.LOGIT);
                    double tolerance = 1e-10 * Math.max(1, GradientBoundsSoundnessTest.maxAbs(g));
                    for (int p = 0; p < points.length; p++) {
                        for (int i = 0; i < x.length; i++) {
                            if (found[p][i] < b.gradientLower()[i] - tolerance || found[p][i] > b.gradientUpper()[i] + tolerance) {
                                fail("sample %d ε %s: gradient[%d] = %.17g escapes [%.17g, %.17g]", s, epsilon, i,
                                        found[p][i], b.gradientLower()[i], b.gradientUpper()[i]);
                            }
                        }
                    }
                    checked += points.length;
                }
            }
            assertThat(checked).isGreaterThanOrEqualTo(9 * 1000);
        }
    }

    @Test
    void aCertifierGivesTheSameCertificatesAndRadiiOneRowAtATimeOnTheHostAsInOneDevicePass() {
        float[][] rows = RELU.inputs();
        CertifySettings settings = new CertifySettings(0.003, 5, TargetKind.LOGIT, 0, Splitting.NONE, true, 0.1, 12,
                new double[] {0}, new double[] {1});
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(RELU.onnx()), Device.cpu())) {
            HostIntervalPass host = HostIntervalPass.of(bounds).orElseThrow();
            float[][] batch = new float[(int) (HostIntervalPass.MAX_MULTIPLY_ADDS / bounds.graph().multiplyAddsPerSample()) + 1][];
            for (int r = 0; r < batch.length; r++) {
                batch[r] = rows[r % rows.length];
            }
            Certifier certifier = new Certifier(bounds, settings, batch.length);
            List<CertifiedSample> together;
            try (IntraOpCount one = IntraOpCount.set(1)) {
                assertThat(host.threadsFor(1)).isEqualTo(1);
                assertThat(host.threadsFor(batch.length)).as("the whole batch is a device pass").isZero();
                together = certifier.certify(batch);
            }
            int certified = 0;
            for (int r = 0; r < rows.length; r++) {
                CertifiedSample alone = certifier.certify(new float[][] {rows[r]}).get(0);
                CertifiedSample inBatch = together.get(r);
                assertThat(alone.predicted()).isEqualTo(inBatch.predicted());
                assertThat(alone.certificate().topk()).as("row %d top-k", r).isEqualTo(inBatch.certificate().topk());
                assertThat(alone.certificate().topkOverlap()).isEqualTo(inBatch.certificate().topkOverlap());
                assertThat(alone.certificate().radius()).as("row %d radius", r).isEqualTo(inBatch.certificate().radius());
                assertClose("row " + r + " lower", alone.lower(), inBatch.lower(), 1e-10);
                assertClose("row " + r + " upper", alone.upper(), inBatch.upper(), 1e-10);
                certified += alone.certificate().topk() ? 1 : 0;
            }
            assertThat(certified).as("some rows certified, some not: both outcomes compared").isBetween(1, rows.length - 1);
        }
    }

    @Test
    void aCallSplitOverHostThreadsGivesEachRowExactlyItsOneRowCertificate() {
        float[][] rows = RELU.inputs();
        CertifySettings settings = new CertifySettings(0.003, 5, TargetKind.LOGIT, 0, Splitting.NONE, true, 0.1, 12,
                new double[] {0}, new double[] {1});
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(RELU.onnx()), Device.cpu());
                IntraOpCount two = IntraOpCount.set(2)) {
            Certifier certifier = new Certifier(bounds, settings);
            float[][] batch = new float[64][];
            for (int r = 0; r < batch.length; r++) {
                batch[r] = rows[r % rows.length];
            }
            assertThat(HostIntervalPass.of(bounds).orElseThrow().threadsFor(batch.length)).isEqualTo(2);
            List<CertifiedSample> split = certifier.certify(batch);
            assertThat(split).hasSize(batch.length);
            for (int r = 0; r < batch.length; r++) {
                CertifiedSample alone = certifier.certify(new float[][] {batch[r]}).get(0);
                CertifiedSample inSplit = split.get(r);
                assertThat(inSplit.predicted()).as("row %d class", r).isEqualTo(alone.predicted());
                assertThat(inSplit.certificate()).as("row %d certificate", r).usingRecursiveComparison().isEqualTo(alone.certificate());
                assertThat(inSplit.gradient()).as("row %d gradient", r).isEqualTo(alone.gradient());
                assertThat(inSplit.lower()).as("row %d lower", r).isEqualTo(alone.lower());
                assertThat(inSplit.upper()).as("row %d upper", r).isEqualTo(alone.upper());
            }
        }
    }

    private static double[][] box(double[] x, double epsilon) {
        double[] lo = new double[x.length];
        double[] hi = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            lo[i] = Math.max(0, x[i] - epsilon);
            hi[i] = Math.min(1, x[i] + epsilon);
        }
        return new double[][] {lo, hi};
    }

    private static double[] flat(float[][] rows) {
        double[] x = new double[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < rows[r].length; i++) {
                x[r * rows[r].length + i] = rows[r][i];
            }
        }
        return x;
    }

    /** Equal to {@code relative} of the largest magnitude in {@code expected} (at least 1): rounding, not method. */
    private static void assertClose(String what, double[] actual, double[] expected, double relative) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double scale = Math.max(1, GradientBoundsSoundnessTest.maxAbs(expected));
        for (int i = 0; i < actual.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= relative * scale)) {
                fail("%s[%d]: %.17g, expected %.17g to %.1g of %.3g", what, i, actual[i], expected[i], relative, scale);
            }
        }
    }
}
