package dev.stabilis.certify;

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
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java bounds agree with an independent PyTorch implementation of the same propagation
 * ({@code tools/reference/interval_bounds.py}, which interprets the ONNX files node by node in float64) on every
 * fixture, for 4 samples × 3 box sizes × both targets, within 1e-9 of the case's largest bound magnitude (the
 * issue asks for 1e-6; measured agreement is 1e-10 to 1e-12, the rest is float64 summation order). The reference
 * does not widen for rounding; the Java widening is below 1e-12 relative. Constants folded at load time stay in
 * float64: folding them in float32 left a 5e-7 disagreement.
 */
class ReferenceBoundsAgreementTest {

    static Stream<Fixture> fixtures() {
        return Fixture.ONNX.stream().map(Fixture::load);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void boundsAgreeWithTheIndependentPyTorchReference(Fixture fixture) throws IOException {
        JsonNode reference = new ObjectMapper().readTree(fixture.directory().resolve("bounds.json").toFile());
        assertThat(reference.get("cases")).hasSize(24);
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(fixture.onnx()), Device.cpu());
                NDManager manager = bounds.model().manager().newSubManager()) {
            Shape shape = new Shape(Shapes.withBatch(1, fixture.inputShape()));
            for (JsonNode c : reference.get("cases")) {
                TargetKind kind = c.get("target").asText().equals("logit") ? TargetKind.LOGIT : TargetKind.LOG_PROBABILITY;
                IntervalBounds b = bounds.bounds(manager.create(doubles(c.get("inputLower")), shape),
                        manager.create(doubles(c.get("inputUpper")), shape), manager.create(new long[] {c.get("class").asLong()}),
                        kind, 0);
                String where = fixture + " sample " + c.get("sample") + " eps fraction " + c.get("epsilonFraction") + " " + kind;
                assertAgree(where + " gradient", b.gradientLower().toDoubleArray(), b.gradientUpper().toDoubleArray(),
                        doubles(c.get("lower")), doubles(c.get("upper")));
                assertAgree(where + " logits", b.logitLower().toDoubleArray(), b.logitUpper().toDoubleArray(),
                        doubles(c.get("logitLower")), doubles(c.get("logitUpper")));
            }
        }
    }

    private static void assertAgree(String where, double[] lower, double[] upper, double[] refLower, double[] refUpper) {
        double scale = 0;
        for (int i = 0; i < refLower.length; i++) {
            scale = Math.max(scale, Math.max(Math.abs(refLower[i]), Math.abs(refUpper[i])));
        }
        double tolerance = 1e-9 * Math.max(scale, 1e-12);
        for (int i = 0; i < refLower.length; i++) {
            assertThat(lower[i]).as("%s lower[%d]", where, i).isCloseTo(refLower[i], org.assertj.core.data.Offset.offset(tolerance));
            assertThat(upper[i]).as("%s upper[%d]", where, i).isCloseTo(refUpper[i], org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    /** A JSON array of numbers as doubles. */
    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
