package dev.stabilis.smoothing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.engine.TorchScriptModel;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.onnx.OnnxImporter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The smoothing certificate on the digits MLPs (64 inputs in [0, 1], 10 classes): its claims are attacked at points
 * of the ε-sphere (random directions and a gradient attack on the smoothed attribution) and checked against
 * independent estimates of the smoothed attribution there. An estimate from n draws misses the truth by at most
 * the McDiarmid radius t with probability 1 − α, so an estimate can only refute a claim beyond that slack; all
 * draws are seeded, so the outcome is fixed.
 */
class SmoothingCertifierTest {

    private static final double ALPHA = 0.001;
    private static final double EPSILON = 0.05;
    private static final double CLIP = 10;
    private static final int K = 5;
    private static final int CHECK_DRAWS = 2000;

    private static SmoothingSettings settings(double epsilon, int rowBudget) {
        return settings(NoiseKind.UNIFORM_BALL, 1.0, epsilon, rowBudget);
    }

    private static SmoothingSettings settings(NoiseKind noise, double scale, double epsilon, int rowBudget) {
        return settings(noise, scale, epsilon, CLIP, rowBudget);
    }

    private static SmoothingSettings settings(NoiseKind noise, double scale, double epsilon, double clipNorm, int rowBudget) {
        return new SmoothingSettings(noise, scale, 4000, ALPHA, epsilon, K, clipNorm, TargetKind.LOGIT, 42, rowBudget);
    }

    private static GraphModel load(String name) {
        return GraphModel.load(OnnxImporter.read(Fixture.load(name).onnx()), Device.cpu(), DataType.FLOAT32);
    }

    /**
     * The uniform ball of radius 1 and the Gaussian of about its per-coordinate spread in 64 dimensions, with the
     * saliencies clipped to norm 10 or scaled to unit norm (0).
     */
    @ParameterizedTest
    @CsvSource({"UNIFORM_BALL, 1.0, 10", "GAUSSIAN, 0.125, 10", "UNIFORM_BALL, 1.0, 0"})
    void noAttackedPointOfTheEpsilonSphereRefutesTheCertifiedCosineOrTopk(NoiseKind kind, double scale, double clipNorm) {
        float[][] rows = Fixture.load("digits_mlp_softplus").inputs();
        try (GraphModel model = load("digits_mlp_softplus")) {
            SmoothingSettings settings = settings(kind, scale, EPSILON, clipNorm, 1 << 16);
            List<SmoothedCertificate> certificates = SmoothingCertifier.certify(model, rows, null, settings);
            NoisyPasses passes = new NoisyPasses(model, TargetKind.LOGIT, 1 << 14);
            Noise noise = kind.create(scale, 64);
            SmoothedAttack attack = new SmoothedAttack(passes, noise, K, clipNorm);
            double t = CosineBound.estimationError(settings.normBound(), CHECK_DRAWS, ALPHA);
            double deviation = CosineBound.deviation(settings.normBound(), noise, EPSILON);
            int attacked = 0;
            int topkClaims = 0;
            double worstDeviationRatio = 0;
            double worstCosineMargin = Double.POSITIVE_INFINITY;
            for (int r = 0; r < rows.length; r += 4) {
                SmoothedCertificate certificate = certificates.get(r);
                assertThat(certificate.cosineLower()).as("sample %d is certified at ε = %s", r, EPSILON).isPositive();
                long seed = 1000 + r;
                SampleStatistics atX = attack.smoothAt(rows[r], new double[64], certificate.target(), CHECK_DRAWS, seed);
                double[] hx = atX.meanClipped();
                for (double[] delta : attackPoints(attack, rows[r], hx, certificate.target(), r)) {
                    SampleStatistics atShift = attack.smoothAt(rows[r], delta, certificate.target(), CHECK_DRAWS, seed);
                    double[] hShift = atShift.meanClipped();
                    double moved = distance(hx, hShift);
                    assertThat(moved).as("‖ĥ(x+δ) − ĥ(x)‖ within D + 2t").isLessThanOrEqualTo(deviation + 2 * t);
                    double slack = Math.asin(Math.min(1, t / (norm(hx) - t))) + Math.asin(Math.min(1, t / (norm(hShift) - t)));
                    assertThat(Math.acos(cosine(hx, hShift))).as("angle of the estimates within the certified angle + slack")
                            .isLessThanOrEqualTo(Math.acos(certificate.cosineLower()) + slack);
                    int[] counts = atShift.topkCounts();
                    double sideAlpha = ALPHA / (2 * 64);
                    for (int i : certificate.topk()) {
                        assertThat(ClopperPearson.upper(counts[i], CHECK_DRAWS, sideAlpha)).as("certified-in feature %d", i).isGreaterThan(0.5);
                    }
                    for (int i : certificate.certifiedOut()) {
                        assertThat(ClopperPearson.lower(counts[i], CHECK_DRAWS, sideAlpha)).as("certified-out feature %d", i).isLessThan(0.5);
                    }
                    topkClaims += certificate.topk().length + certificate.certifiedOut().length;
                    worstDeviationRatio = Math.max(worstDeviationRatio, moved / deviation);
                    worstCosineMargin = Math.min(worstCosineMargin, cosine(hx, hShift) - certificate.cosineLower());
                    attacked++;
                }
            }
            assertThat(attacked).isEqualTo(rows.length / 4 * 9);
            assertThat(topkClaims).as("top-k claims were put to the test").isGreaterThan(attacked * 60);
            System.out.printf("smoothing attack, %s, clip norm %s: %d points, %d top-k claims, worst ‖Δĥ‖ / D = %.3f (D = %.3f, t = %.3f), least cos(ĥ(x), ĥ(x+δ)) − certified = %.3f%n",
                    kind.label(), clipNorm, attacked, topkClaims, worstDeviationRatio, deviation, t, worstCosineMargin);
        }
    }

    /**
     * The probabilistic claims at ε = 0 (‖h(x)‖ ≥ normLower; features in or out of the smoothed top-k set), made
     * from 64 draws in each of 150 seeded runs at α = 0.01, are wrong in at most α of the runs, up to three standard
     * errors, against a reference from 50 000 draws.
     */
    @ParameterizedTest
    @ValueSource(doubles = {CLIP, SmoothingSettings.UNIT_NORM})
    void overManySeededRunsTheClaimsMissTheReferenceInAtMostAlphaOfThem(double clipNorm) {
        float[] x = Fixture.load("digits_mlp_softplus").inputs()[1];
        double alpha = 0.01;
        int runs = 150;
        try (GraphModel model = load("digits_mlp_softplus")) {
            NoisyPasses passes = new NoisyPasses(model, TargetKind.LOGIT, 1 << 14);
            int target = (int) passes.predict(new float[][] {x})[0];
            SampleStatistics reference = new SmoothedAttack(passes, NoiseKind.UNIFORM_BALL.create(1.0, 64), K, clipNorm)
                    .smoothAt(x, new double[64], target, 50_000, 7);
            double referenceNorm = norm(reference.meanClipped());
            double referenceError = CosineBound.estimationError(settings(NoiseKind.UNIFORM_BALL, 1.0, 0, clipNorm, 1).normBound(), 50_000, 1e-6);
            int[] referenceCounts = reference.topkCounts();
            boolean[] surelyOut = new boolean[64];
            boolean[] surelyIn = new boolean[64];
            for (int i = 0; i < 64; i++) {
                surelyOut[i] = ClopperPearson.upper(referenceCounts[i], 50_000, 1e-6) <= 0.5;
                surelyIn[i] = ClopperPearson.lower(referenceCounts[i], 50_000, 1e-6) >= 0.5;
            }
            int misses = 0;
            int claims = 0;
            for (int run = 0; run < runs; run++) {
                SmoothingSettings settings = new SmoothingSettings(NoiseKind.UNIFORM_BALL, 1.0, 64, alpha, 0, K, clipNorm, TargetKind.LOGIT, run, 1 << 14);
                SmoothedCertificate certificate = SmoothingCertifier.certify(model, new float[][] {x}, new int[] {target}, settings).get(0);
                boolean wrong = certificate.normLower() > referenceNorm + referenceError;
                for (int i : certificate.topk()) {
                    wrong |= surelyOut[i];
                }
                for (int i : certificate.certifiedOut()) {
                    wrong |= surelyIn[i];
                }
                claims += certificate.topk().length + certificate.certifiedOut().length;
                misses += wrong ? 1 : 0;
            }
            System.out.printf("coverage: %d of %d runs missed (%d feature claims, ‖h‖ ≈ %.3f)%n", misses, runs, claims, referenceNorm);
            assertThat(claims).as("the runs made claims").isGreaterThan(runs * 32);
            assertThat((double) misses / runs).isLessThanOrEqualTo(alpha + 3 * Math.sqrt(alpha * (1 - alpha) / runs));
        }
    }

    /** Six random points of the ε-sphere, ±ε along ĥ(x), and the gradient attack's point. */
    private static List<double[]> attackPoints(SmoothedAttack attack, float[] x, double[] hx, int target, long seed) {
        List<double[]> points = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int p = 0; p < 6; p++) {
            double[] delta = random.doubles(64).map(v -> v - 0.5).toArray();
            points.add(scaled(delta, EPSILON));
        }
        points.add(scaled(hx, EPSILON));
        points.add(scaled(hx, -EPSILON));
        double[] direction = scaled(hx, 1);
        points.add(attack.descend(x, direction, target, EPSILON, 3, 1000, seed));
        return points;
    }

    @Test
    void certifiedCosineAndTopkShrinkAsEpsilonGrows() {
        float[][] rows = Fixture.load("digits_mlp_softplus").inputs();
        try (GraphModel model = load("digits_mlp_softplus")) {
            double[] previousCosine = null;
            boolean[] previousTopk = null;
            for (double epsilon : new double[] {0, 0.01, 0.05, 0.1, 0.25}) {
                List<SmoothedCertificate> certificates = SmoothingCertifier.certify(model, rows, null, settings(epsilon, 1 << 16));
                double[] cosines = certificates.stream().mapToDouble(SmoothedCertificate::cosineLower).toArray();
                long topk = certificates.stream().filter(SmoothedCertificate::topkCertified).count();
                System.out.printf("ε = %.2f: certified cosine %s, top-%d certified for %d of %d%n", epsilon,
                        Arrays.toString(Arrays.stream(cosines).map(c -> Math.round(c * 1000) / 1000.0).toArray()), K, topk, rows.length);
                if (previousCosine != null) {
                    for (int r = 0; r < rows.length; r++) {
                        assertThat(cosines[r]).isLessThanOrEqualTo(previousCosine[r]);
                        if (certificates.get(r).topkCertified()) {
                            assertThat(previousTopk[r]).as("certified at a larger ε, so at a smaller").isTrue();
                        }
                    }
                }
                previousCosine = cosines;
                previousTopk = new boolean[rows.length];
                for (int r = 0; r < rows.length; r++) {
                    previousTopk[r] = certificates.get(r).topkCertified();
                }
            }
        }
    }

    @Test
    void aSamplesCertificateDoesNotDependOnItsBatchOrOnHowTheDrawsAreSplitIntoPasses() {
        float[][] rows = Fixture.load("digits_mlp_softplus").inputs();
        try (GraphModel model = load("digits_mlp_softplus")) {
            List<SmoothedCertificate> together = SmoothingCertifier.certify(model, rows, null, settings(EPSILON, 1 << 16));
            SmoothedCertificate alone = SmoothingCertifier.certify(model, new float[][] {rows[3]}, null, settings(EPSILON, 777)).get(0);
            SmoothedCertificate again = together.get(3);
            assertThat(alone.target()).isEqualTo(again.target());
            assertThat(alone.attribution()).containsExactly(again.attribution(), offset(1e-5));
            assertThat(alone.cosineLower()).isCloseTo(again.cosineLower(), offset(1e-6));
            assertThat(alone.topk()).containsExactly(again.topk());
            assertThat(alone.frequency()).containsExactly(again.frequency(), offset(1e-3));
        }
    }

    @Test
    void aTorchScriptModelIsCertifiedLikeItsOnnxExport() {
        Fixture traced = Fixture.load("digits_mlp_relu_torchscript");
        float[][] rows = Fixture.load("digits_mlp_relu").inputs();
        try (DifferentiableModel torchscript = TorchScriptModel.load(traced.directory().resolve("model.pt"), new long[] {64}, Device.cpu());
                GraphModel onnx = load("digits_mlp_relu")) {
            List<SmoothedCertificate> a = SmoothingCertifier.certify(torchscript, rows, null, settings(EPSILON, 1 << 16));
            List<SmoothedCertificate> b = SmoothingCertifier.certify(onnx, rows, null, settings(EPSILON, 1 << 16));
            for (int r = 0; r < rows.length; r++) {
                assertThat(a.get(r).attribution()).containsExactly(b.get(r).attribution(), offset(1e-4));
                assertThat(a.get(r).cosineLower()).isCloseTo(b.get(r).cosineLower(), offset(1e-4));
                assertThat(a.get(r).topk()).containsExactly(b.get(r).topk());
            }
        }
    }

    @Test
    void badSamplesAndTargetsAreRefusedWithTheReason() {
        try (GraphModel model = load("digits_mlp_softplus")) {
            SmoothingSettings settings = settings(EPSILON, 64);
            assertThatThrownBy(() -> SmoothingCertifier.certify(model, new float[][] {new float[63]}, null, settings))
                    .hasMessageContaining("sample 0 has 63 features, the model expects 64");
            float[] nan = new float[64];
            nan[5] = Float.NaN;
            assertThatThrownBy(() -> SmoothingCertifier.certify(model, new float[][] {nan}, null, settings)).hasMessageContaining("non-finite");
            assertThatThrownBy(() -> SmoothingCertifier.certify(model, new float[][] {new float[64]}, new int[] {10}, settings))
                    .hasMessageContaining("target 10 of sample 0 is not one of the model's 10 classes");
            SmoothingSettings tooMany = new SmoothingSettings(NoiseKind.GAUSSIAN, 0.1, 10, ALPHA, EPSILON, 65, CLIP, TargetKind.LOGIT, 1, 64);
            assertThatThrownBy(() -> SmoothingCertifier.certify(model, new float[][] {new float[64]}, null, tooMany))
                    .hasMessageContaining("k = 65 exceeds");
        }
        assertThatThrownBy(() -> new SmoothingSettings(NoiseKind.UNIFORM_BALL, 1, 10, 1.5, EPSILON, K, CLIP, TargetKind.LOGIT, 1, 64))
                .hasMessageContaining("smoothing alpha");
    }

    private static double[] scaled(double[] v, double length) {
        double n = norm(v);
        return Arrays.stream(v).map(x -> x * length / n).toArray();
    }

    private static double norm(double[] v) {
        return Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }

    private static double cosine(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s / (norm(a) * norm(b));
    }
}
