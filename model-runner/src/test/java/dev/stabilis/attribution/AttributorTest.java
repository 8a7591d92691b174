package dev.stabilis.attribution;

import static dev.stabilis.fixtures.Closeness.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.onnx.OnnxImporter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AttributorTest {

    static Stream<Fixture> fixtures() {
        return Fixture.ONNX.stream().map(Fixture::load);
    }

    static GraphModel load(Fixture fixture) {
        return GraphModel.load(OnnxImporter.read(fixture.onnx()), Device.cpu(), DataType.FLOAT32);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void integratedGradientsAt64StepsIsCompleteWithin1Percent(Fixture fixture) {
        try (GraphModel model = load(fixture)) {
            List<Explanation> out = new Attributor(model, new IntegratedGradients(64, null)).explain(fixture.inputs(), null);
            for (Explanation e : out) {
                double sum = 0;
                for (float a : e.attribution()) {
                    sum += a;
                }
                assertThat(e.completenessGap()).as("reported gap is Σ IG − Δs").isCloseTo(sum - e.scoreDelta(),
                        org.assertj.core.data.Offset.offset(1e-3 * Math.abs(e.scoreDelta()) + 1e-5));
                assertThat(e.relativeCompletenessGap()).as("%s relative completeness gap", fixture).isLessThan(0.01);
            }
        }
    }

    /**
     * With a tolerance, a row whose gap is over it is refined (steps tripled: 2, 6, 18, ...) until it is within: every
     * row ends under 1 %, and its attribution is exactly the fixed-step IG at the step count it stopped at, because
     * the tripled midpoint nodes contain the earlier ones.
     */
    @Test
    void integratedGradientsRefinesEveryRowOverTheToleranceUntilItIsWithin() {
        Fixture fixture = Fixture.load("digits_mlp_relu");
        int[] ladder = {2, 6, 18, 54, 162, 486};
        try (GraphModel model = load(fixture)) {
            List<Explanation> coarse = new Attributor(model, new IntegratedGradients(2, null)).explain(fixture.inputs(), null);
            assertThat(coarse).as("two steps leave some row over 1 %").anyMatch(e -> e.relativeCompletenessGap() > 0.01);
            List<Explanation> refined = new Attributor(model, new IntegratedGradients(2, null,
                    new IntegratedGradients.Convergence(0.01, 486))).explain(fixture.inputs(), null);
            for (int i = 0; i < refined.size(); i++) {
                Explanation e = refined.get(i);
                assertThat(e.relativeCompletenessGap()).as("row %d relative completeness gap", i).isLessThan(0.01);
                int reached = -1;
                for (int m : ladder) {
                    Explanation fixed = new Attributor(model, new IntegratedGradients(m, null)).explain(new float[][] {fixture.inputs()[i]}, null).get(0);
                    if (reached < 0 && fixed.relativeCompletenessGap() < 0.01) {
                        reached = m;
                        assertClose("row " + i + " refined to " + m + " steps", e.attribution(), fixed.attribution(), 1e-4, 1e-6);
                    }
                }
                assertThat(reached).as("row %d converges within the cap", i).isPositive();
            }
        }
    }

    @Test
    void integratedGradientsStopsRefiningAtTheCap() {
        Fixture fixture = Fixture.load("digits_mlp_relu");
        try (GraphModel model = load(fixture)) {
            float[][] rows = fixture.inputs();
            List<Explanation> capped = new Attributor(model, new IntegratedGradients(2, null,
                    new IntegratedGradients.Convergence(1e-9, 17))).explain(rows, null);
            List<Explanation> six = new Attributor(model, new IntegratedGradients(6, null)).explain(rows, null);
            for (int i = 0; i < rows.length; i++) {
                assertClose("row " + i + " at the cap of 6 steps", capped.get(i).attribution(), six.get(i).attribution(), 1e-4, 1e-6);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void saliencyIsThePyTorchGradientAndGradientTimesInputMultipliesByTheInput(Fixture fixture) {
        try (GraphModel model = load(fixture)) {
            List<Explanation> saliency = new Attributor(model, new Saliency()).explain(fixture.inputs(), null);
            List<Explanation> gxi = new Attributor(model, new GradientTimesInput()).explain(fixture.inputs(), null);
            for (int i = 0; i < saliency.size(); i++) {
                Fixture.Sample s = fixture.samples().get(i);
                assertThat(saliency.get(i).predicted()).isEqualTo(s.predicted());
                assertThat(saliency.get(i).target()).isEqualTo(s.predicted());
                assertClose("saliency " + i, saliency.get(i).attribution(), s.gradient(), 1e-4, 1e-6);
                float[] expected = new float[s.input().length];
                for (int f = 0; f < expected.length; f++) {
                    expected[f] = s.gradient()[f] * s.input()[f];
                }
                assertClose("gradient x input " + i, gxi.get(i).attribution(), expected, 1e-4, 1e-6);
            }
        }
    }

    @Test
    void aGivenTargetClassIsExplainedInsteadOfThePrediction() {
        Fixture fixture = Fixture.load("digits_mlp_relu");
        try (GraphModel model = load(fixture)) {
            float[][] rows = fixture.inputs();
            int[] targets = new int[rows.length];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = (fixture.samples().get(i).predicted() + 1) % 10;
            }
            List<Explanation> given = new Attributor(model, new Saliency()).explain(rows, targets);
            List<Explanation> predicted = new Attributor(model, new Saliency()).explain(rows, null);
            for (int i = 0; i < rows.length; i++) {
                assertThat(given.get(i).target()).isEqualTo(targets[i]);
                assertThat(given.get(i).predicted()).isEqualTo(fixture.samples().get(i).predicted());
                assertThat(given.get(i).attribution()).isNotEqualTo(predicted.get(i).attribution());
            }
        }
    }

    @Test
    void resultsDoNotDependOnBatchCompositionOrSubBatchSize() {
        Fixture fixture = Fixture.load("digits_mlp_softplus");
        float[] sigma = new float[fixture.inputSize()];
        java.util.Arrays.fill(sigma, 0.1f);
        List<Explainer> explainers = List.of(new Saliency(), new IntegratedGradients(16, null), new SmoothGrad(8, sigma, 3));
        try (GraphModel model = load(fixture)) {
            for (Explainer explainer : explainers) {
                List<Explanation> whole = new Attributor(model, explainer).explain(fixture.inputs(), null);
                // one sample per pass: every row in a sub-batch of its own
                List<Explanation> single = new Attributor(model, explainer, TargetKind.LOGIT, explainer.rowsPerSample())
                        .explain(fixture.inputs(), null);
                for (int i = 0; i < whole.size(); i++) {
                    assertClose(explainer.method() + " sample " + i, single.get(i).attribution(),
                            whole.get(i).attribution(), 1e-5, 1e-6);
                }
            }
        }
    }

    @Test
    void smoothGradIsReproducibleForASeedAndChangesWithIt() {
        Fixture fixture = Fixture.load("digits_mlp_softplus");
        float[] sigma = new float[fixture.inputSize()];
        java.util.Arrays.fill(sigma, 0.15f);
        try (GraphModel model = load(fixture)) {
            float[] first = new Attributor(model, new SmoothGrad(16, sigma, 7)).explain(fixture.inputs(), null).get(0).attribution();
            float[] again = new Attributor(model, new SmoothGrad(16, sigma, 7)).explain(fixture.inputs(), null).get(0).attribution();
            float[] other = new Attributor(model, new SmoothGrad(16, sigma, 8)).explain(fixture.inputs(), null).get(0).attribution();
            float[] plain = new Attributor(model, new Saliency()).explain(fixture.inputs(), null).get(0).attribution();
            assertThat(again).containsExactly(first);
            assertThat(other).isNotEqualTo(first);
            assertThat(first).isNotEqualTo(plain);
        }
    }

    @Test
    void integratedGradientsWithTheInputAsBaselineIsZero() {
        Fixture fixture = Fixture.load("breast_cancer_mlp_tanh");
        try (GraphModel model = load(fixture)) {
            float[] x = fixture.samples().get(0).input();
            Explanation e = new Attributor(model, new IntegratedGradients(8, x)).explain(new float[][] {x}, null).get(0);
            for (float a : e.attribution()) {
                assertThat(Math.abs(a)).isZero();
            }
            assertThat(e.scoreDelta()).isZero();
        }
    }

    @Test
    void rowsOfTheWrongLengthAndTargetsOutOfRangeAreRefusedWithTheReason() {
        Fixture fixture = Fixture.load("digits_mlp_relu");
        try (GraphModel model = load(fixture)) {
            Attributor attributor = new Attributor(model, new Saliency());
            assertThatThrownBy(() -> attributor.explain(new float[][] {new float[3]}, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("sample 0 has 3 features, the model expects 64");
            assertThatThrownBy(() -> attributor.explain(new float[][] {new float[64]}, new int[] {10}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target class 10 is out of range [0, 10)");
        }
    }
}
