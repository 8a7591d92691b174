package dev.stabilis.certify;

import static dev.stabilis.certify.ReferenceBoundsAgreementTest.doubles;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The linear-relaxation bounds agree with an independent float64 implementation of the same mathematics
 * ({@code tools/reference/linear_bounds.py}: dense matrices in numpy, the same relaxation choices, no outward rounding)
 * on every fixture, for samples 0–3 at ε fractions 0.001, 0.01 and 0.05 of the logit of the predicted class, the four
 * samples of an ε bounded in one batch. Each bound is within 1e-9 of the larger of its own magnitude and the case's
 * largest bound magnitude: the Java bounds are widened outward by {@code 16·(depth + 1)·(widest value)·2⁻⁵²} of the
 * magnitude of the terms that make them (about 3e-12 on the digits MLPs), and those terms are of the order of the
 * largest bounds, not of a bound near 0, so near 0 only an absolute floor is meaningful. Measured: Java is looser by at
 * most 3.4e-11 of the case's largest bound (1.4e-11 ReLU, 2.8e-11 softplus, 6.5e-14 CNN, 2.5e-11 tanh, 3.4e-11 mixed)
 * and never tighter; a Java bound tighter than the exact-arithmetic reference by more than the reference's own rounding
 * would mean a different relaxation, so that direction gets the tolerance 1e-12.
 */
class LinearBoundsReferenceTest {

    static Stream<Fixture> fixtures() {
        return Fixture.ONNX.stream().map(Fixture::load);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void linearBoundsAgreeWithTheIndependentFloat64Reference(Fixture fixture) throws IOException {
        JsonNode reference = new ObjectMapper().readTree(fixture.directory().resolve("linear_bounds.json").toFile());
        Map<Double, List<JsonNode>> byEpsilon = new TreeMap<>();
        for (JsonNode c : reference.get("cases")) {
            byEpsilon.computeIfAbsent(c.get("epsilonFraction").asDouble(), e -> new ArrayList<>()).add(c);
        }
        assertThat(byEpsilon.keySet()).containsExactly(0.001, 0.01, 0.05);
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu(), GradientBounds.LINEAR);
                NDManager manager = bounds.model().manager().newSubManager()) {
            assertThat(bounds.method()).as("the linear method applies to %s", fixture).isEqualTo(GradientBounds.LINEAR);
            int n = fixture.inputSize();
            for (List<JsonNode> cases : byEpsilon.values()) {
                assertThat(cases).hasSize(4);
                Shape shape = new Shape(Shapes.withBatch(cases.size(), fixture.inputShape()));
                IntervalBounds b = bounds.bounds(manager.create(rows(cases, "inputLower", n), shape),
                        manager.create(rows(cases, "inputUpper", n), shape),
                        manager.create(cases.stream().mapToLong(c -> c.get("class").asLong()).toArray()), TargetKind.LOGIT, 0);
                double[] lower = b.gradientLower().toDoubleArray();
                double[] upper = b.gradientUpper().toDoubleArray();
                for (int r = 0; r < cases.size(); r++) {
                    JsonNode c = cases.get(r);
                    assertAgree(fixture + " sample " + c.get("sample") + " ε fraction " + c.get("epsilonFraction"),
                            java.util.Arrays.copyOfRange(lower, r * n, (r + 1) * n), java.util.Arrays.copyOfRange(upper, r * n, (r + 1) * n),
                            doubles(c.get("lower")), doubles(c.get("upper")));
                }
            }
        }
    }

    private static void assertAgree(String where, double[] lower, double[] upper, double[] refLower, double[] refUpper) {
        double scale = 0;
        for (int i = 0; i < refLower.length; i++) {
            scale = Math.max(scale, Math.max(Math.abs(refLower[i]), Math.abs(refUpper[i])));
        }
        for (int i = 0; i < refLower.length; i++) {
            assertThat(lower[i]).as("%s lower[%d]", where, i)
                    .isBetween(refLower[i] - 1e-9 * Math.max(Math.abs(refLower[i]), scale), refLower[i] + 1e-12 * scale);
            assertThat(upper[i]).as("%s upper[%d]", where, i)
                    .isBetween(refUpper[i] - 1e-12 * scale, refUpper[i] + 1e-9 * Math.max(Math.abs(refUpper[i]), scale));
        }
    }

    private static double[] rows(List<JsonNode> cases, String field, int n) {
        double[] out = new double[cases.size() * n];
        for (int r = 0; r < cases.size(); r++) {
            System.arraycopy(doubles(cases.get(r).get(field)), 0, out, r * n, n);
        }
        return out;
    }
}
