package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.SingleMagnitude;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dense radius products in float32 ({@link AffineRule}, {@link SingleRadii}) keep the interval method sound: the
 * bounds contain the float64 path's, are at most a relative 10⁻³ wider, no point found in the box escapes them, and a
 * radius that float32 rounds down is still covered.
 */
class SingleRadiiTest {

    /**
     * Every fixture and target, as the float64 path's thorough soundness suite takes them; float32 only widens those
     * bounds, so the search here is the light one.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.stabilis.certify.GradientBoundsSoundnessTest#cases")
    void float32RadiiContainTheFloat64BoundsWidenThemLittleAndNoPointEscapes(Fixture fixture, TargetKind kind) {
        Graph graph = OnnxImporter.read(fixture.onnx());
        try (GradientBounds owner = GradientBounds.load(graph, Device.cpu());
                NDManager manager = owner.model().manager().newSubManager()) {
            IntervalGradientBounds single = new IntervalGradientBounds(owner.model(), IntervalRules.of(owner.model(), SingleRadii.ALWAYS));
            IntervalGradientBounds wide = new IntervalGradientBounds(owner.model(), IntervalRules.of(owner.model(), SingleRadii.NEVER));
            double[][] rows = rows(fixture, 3);
            double scale = fixture.name().startsWith("breast") ? 50 : 1;
            boolean anyWider = false;
            for (double epsilon : new double[] {0.001, 0.01, 0.05}) {
                double[][] a = bounds(single, manager, fixture, rows, epsilon * scale, kind);
                double[][] b = bounds(wide, manager, fixture, rows, epsilon * scale, kind);
                String where = fixture + " " + kind + " ε " + epsilon * scale;
                for (int part = 0; part < 4; part += 2) { // gradient, then logits: {lower, upper}
                    for (int i = 0; i < a[part].length; i++) {
                        double lo = a[part][i];
                        double hi = a[part + 1][i];
                        double lo64 = b[part][i];
                        double hi64 = b[part + 1][i];
                        double rounding = 1e-12 * Math.max(1, Math.abs(lo64) + Math.abs(hi64));
                        assertThat(lo).as("%s: lower %d/%d contains float64's", where, part, i).isLessThanOrEqualTo(lo64 + rounding);
                        assertThat(hi).as("%s: upper %d/%d contains float64's", where, part, i).isGreaterThanOrEqualTo(hi64 - rounding);
                        assertThat(hi - lo).as("%s: width %d/%d", where, part, i).isLessThanOrEqualTo((hi64 - lo64) * (1 + 1e-3) + rounding);
                        anyWider |= hi - lo > hi64 - lo64 + rounding;
                    }
                }
                assertThat(SoundnessSuite.escapes(single, rows, epsilon * scale, kind, 17, SoundnessSuite.LIGHT)).as(where).isEmpty();
            }
            assertThat(anyWider).as("%s: some bound came from float32 products (else this tests nothing)", fixture).isTrue();
        }
    }

    /**
     * One dense layer of weight 1 over 8 inputs of radius 1 + 2⁻²⁵, which float32 rounds down to 1: the products of
     * the rounded radii sum to 8, below the exact radius 8 + 2⁻²²; the logit's upper bound must still reach the exact
     * one. Without the rule's factor {@code 1 + 2γ} it falls short by about 2⁻²² (and this fails).
     */
    @Test
    void aRadiusThatFloat32RoundsDownIsStillCovered() {
        int n = 8;
        double radius = 1 + 0x1p-25;
        assertThat((double) (float) radius).as("float32 rounds it down").isLessThan(radius);
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        Graph graph = Graph.chain(new long[] {n}, List.of(new Dense(new HostTensor(new long[] {1, n}, ones), null)));
        try (GradientBounds owner = GradientBounds.load(graph, Device.cpu());
                NDManager manager = owner.model().manager().newSubManager()) {
            IntervalGradientBounds single = new IntervalGradientBounds(owner.model(), IntervalRules.of(owner.model(), SingleRadii.ALWAYS));
            double[] lower = new double[n];
            double[] upper = new double[n];
            Arrays.fill(lower, -radius);
            Arrays.fill(upper, radius);
            Shape shape = new Shape(1, n);
            IntervalBounds b = single.bounds(manager.create(lower, shape), manager.create(upper, shape), manager.create(new long[] {0}),
                    TargetKind.LOGIT, 0);
            double exact = n * radius; // 8 + 2⁻²², exact in float64
            assertThat(b.logitUpper().getDouble(0, 0)).isGreaterThanOrEqualTo(exact).isLessThan(exact * (1 + 1e-5));
            assertThat(b.logitLower().getDouble(0, 0)).isLessThanOrEqualTo(-exact).isGreaterThan(-exact * (1 + 1e-5));
        }
    }

    @Test
    void float32CoefficientsAreTheirMagnitudesRoundedUpAndNeverSubnormal() {
        double below = 1 + 0x1p-25; // float32 rounds it to nearest: 1
        assertThat((double) SingleMagnitude.roundedUp(below)).isGreaterThanOrEqualTo(below).isEqualTo(1 + 0x1p-23);
        assertThat((double) SingleMagnitude.roundedUp(-below)).isEqualTo(1 + 0x1p-23);
        assertThat(SingleMagnitude.roundedUp(0.5)).as("exact in float32").isEqualTo(0.5f);
        assertThat(SingleMagnitude.roundedUp(0)).isEqualTo(Float.MIN_NORMAL);
        assertThat(SingleMagnitude.roundedUp(1e-45)).as("subnormal in float32").isEqualTo(Float.MIN_NORMAL);
        assertThat(SingleMagnitude.roundedUp(1e39)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    /** Where float32 radii measured faster: large products of wide layers; never the digits MLP's narrow ones. */
    @Test
    void float32IsTakenWhereItMeasuredFaster() {
        assertThat(SingleRadii.WHERE_FASTER.takes(256, 784, 512)).as("784-wide MLP, first layer, 256 rows").isTrue();
        assertThat(SingleRadii.WHERE_FASTER.takes(16, 512, 512)).as("its second layer, 16 rows").isTrue();
        assertThat(SingleRadii.WHERE_FASTER.takes(2, 784, 512)).as("too few multiply-adds").isFalse();
        assertThat(SingleRadii.WHERE_FASTER.takes(4096, 128, 128)).as("digits MLP: 64 per value").isFalse();
        assertThat(SingleRadii.WHERE_FASTER.takes(1 << 20, 64, 128)).isFalse();
        assertThat(SingleRadii.NEVER.takes(4096, 784, 512)).isFalse();
        assertThat(SingleRadii.ALWAYS.takes(1, 1, 1)).isTrue();
    }

    private static double[][] rows(Fixture fixture, int count) {
        double[][] rows = new double[count][];
        for (int r = 0; r < count; r++) {
            rows[r] = GradientBoundsSoundnessTest.toDoubles(fixture.samples().get(r).input());
        }
        return rows;
    }

    /** {gradient lower, gradient upper, logit lower, logit upper} of the rows' boxes, for their predicted classes. */
    private static double[][] bounds(IntervalGradientBounds bounds, NDManager manager, Fixture fixture, double[][] rows, double epsilon,
            TargetKind kind) {
        int n = rows[0].length;
        double[] flat = new double[rows.length * n];
        long[] classes = new long[rows.length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * n, n);
            classes[r] = fixture.samples().get(r).predicted();
        }
        NDArray x = manager.create(flat, new Shape(Shapes.withBatch(rows.length, fixture.inputShape())));
        IntervalBounds b = bounds.tensorBounds(x.sub(epsilon), x.add(epsilon), manager.create(classes), kind, 0);
        return new double[][] {b.gradientLower().toDoubleArray(), b.gradientUpper().toDoubleArray(), b.logitLower().toDoubleArray(),
            b.logitUpper().toDoubleArray()};
    }
}
