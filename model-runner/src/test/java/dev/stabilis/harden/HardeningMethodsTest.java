package dev.stabilis.harden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.graph.Graph;
import org.junit.jupiter.api.Test;

/**
 * Each hardening method moves the figure it targets in the intended direction against the plain model of the
 * same seed, initialisation and budget, by at least about half the gap measured when the test was written, and
 * costs at most the stated accuracy (measured figures: the {@code [harden]} lines of the test log and README's
 * hardening section). Curvature and the Hessian norm are of the softplus(β = 10) surrogate of ReLU networks, as
 * in the monitor's attacks; ε is a fraction of each feature's range.
 */
class HardeningMethodsTest {

    private static final HardeningFixture DIGITS = HardeningFixture.digits();
    private static final HardeningFixture CANCER = HardeningFixture.breastCancer();

    private static void curvatureDownAndAttackResisted(HardeningFixture f, String method, Graph hardened, double curvatureFactor,
            double intersectionGain, double accuracyLoss) {
        double curvaturePlain = f.curvature(f.plain);
        double curvatureHardened = f.curvature(hardened);
        double keptPlain = f.attackIntersection(f.plain);
        double keptHardened = f.attackIntersection(hardened);
        f.log(method, "curvature", curvaturePlain, curvatureHardened);
        f.log(method, "top-k kept under attack", keptPlain, keptHardened);
        f.log(method, "accuracy", f.accuracy(f.plain), f.accuracy(hardened));
        assertThat(curvatureHardened).isLessThan(curvaturePlain * curvatureFactor);
        assertThat(keptHardened).isGreaterThan(keptPlain + intersectionGain);
        assertThat(f.accuracy(hardened)).isGreaterThan(f.accuracy(f.plain) - accuracyLoss);
    }

    @Test
    void betaSmoothingWithWeightDecayFlattensDigitsAndKeepsTheirTopFeatures() {
        Graph hardened = DIGITS.train(DIGITS.plainSettings.withSmoothing(2f, 1e-3));
        curvatureDownAndAttackResisted(DIGITS, "smooth", hardened, 0.65, 0.08, 0.02);
    }

    @Test
    void betaSmoothingWithWeightDecayFlattensBreastCancerAndKeepsItsTopFeatures() {
        Graph hardened = CANCER.train(CANCER.plainSettings.withSmoothing(2f, 1e-3));
        curvatureDownAndAttackResisted(CANCER, "smooth", hardened, 0.7, 0.05, 0.02);
    }

    @Test
    void hessianPenaltyShrinksTheDigitsHessian() {
        Graph hardened = DIGITS.train(DIGITS.plainSettings.withHessian(0.01, 2));
        double plain = DIGITS.hessianNorm(DIGITS.plain);
        double smooth = DIGITS.hessianNorm(hardened);
        DIGITS.log("hessian", "Hessian norm", plain, smooth);
        DIGITS.log("hessian", "accuracy", DIGITS.accuracy(DIGITS.plain), DIGITS.accuracy(hardened));
        assertThat(smooth).isLessThan(plain * 0.55);
        assertThat(DIGITS.accuracy(hardened)).isGreaterThan(DIGITS.accuracy(DIGITS.plain) - 0.03);
    }

    @Test
    void hessianPenaltyShrinksTheBreastCancerHessian() {
        Graph hardened = CANCER.train(CANCER.plainSettings.withHessian(0.01, 2));
        double plain = CANCER.hessianNorm(CANCER.plain);
        double smooth = CANCER.hessianNorm(hardened);
        CANCER.log("hessian", "Hessian norm", plain, smooth);
        CANCER.log("hessian", "accuracy", CANCER.accuracy(CANCER.plain), CANCER.accuracy(hardened));
        assertThat(smooth).isLessThan(plain * 0.5);
        assertThat(CANCER.accuracy(hardened)).isGreaterThan(CANCER.accuracy(CANCER.plain) - 0.02);
    }

    @Test
    void certifiedGradientConstraintCertifiesMoreDigitsTopSets() {
        Graph hardened = DIGITS.train(DIGITS.plainSettings.withCertified(1, HardeningFixture.EPSILON, 0.5));
        double plain = DIGITS.certifiedFraction(DIGITS.plain);
        double certified = DIGITS.certifiedFraction(hardened);
        DIGITS.log("certified", "certified top-k fraction", plain, certified);
        DIGITS.log("certified", "accuracy", DIGITS.accuracy(DIGITS.plain), DIGITS.accuracy(hardened));
        assertThat(certified).isGreaterThan(plain + 0.22);
        assertThat(DIGITS.accuracy(hardened)).isGreaterThan(DIGITS.accuracy(DIGITS.plain) - 0.035);
    }

    @Test
    void certifiedGradientConstraintCertifiesMoreBreastCancerTopSets() {
        Graph hardened = CANCER.train(CANCER.plainSettings.withCertified(1, HardeningFixture.EPSILON, 0.5));
        double plain = CANCER.certifiedFraction(CANCER.plain);
        double certified = CANCER.certifiedFraction(hardened);
        CANCER.log("certified", "certified top-k fraction", plain, certified);
        CANCER.log("certified", "accuracy", CANCER.accuracy(CANCER.plain), CANCER.accuracy(hardened));
        assertThat(certified).isGreaterThan(plain + 0.3);
        assertThat(CANCER.accuracy(hardened)).isGreaterThan(CANCER.accuracy(CANCER.plain) - 0.02);
    }

    @Test
    void adversarialTrainingSparsifiesDigitsAttributions() {
        Graph hardened = DIGITS.train(DIGITS.plainSettings.withAdversary(HardeningFixture.EPSILON, 5));
        double plain = DIGITS.gini(DIGITS.plain);
        double sparse = DIGITS.gini(hardened);
        DIGITS.log("adversarial", "Gini", plain, sparse);
        DIGITS.log("adversarial", "accuracy", DIGITS.accuracy(DIGITS.plain), DIGITS.accuracy(hardened));
        assertThat(sparse).isGreaterThan(plain + 0.08);
        assertThat(DIGITS.accuracy(hardened)).isGreaterThan(DIGITS.accuracy(DIGITS.plain) - 0.02);
    }

    @Test
    void adversarialTrainingSparsifiesBreastCancerAttributions() {
        Graph hardened = CANCER.train(CANCER.plainSettings.withAdversary(HardeningFixture.EPSILON, 5));
        double plain = CANCER.gini(CANCER.plain);
        double sparse = CANCER.gini(hardened);
        CANCER.log("adversarial", "Gini", plain, sparse);
        CANCER.log("adversarial", "accuracy", CANCER.accuracy(CANCER.plain), CANCER.accuracy(hardened));
        assertThat(sparse).isGreaterThan(plain + 0.14);
        assertThat(CANCER.accuracy(hardened)).isGreaterThan(CANCER.accuracy(CANCER.plain) - 0.02);
    }

    @Test
    void rankingThicknessFlattensDigitsAndKeepsTheirTopFeatures() {
        Graph hardened = DIGITS.train(DIGITS.plainSettings.withThickness(0.05, HardeningFixture.K));
        curvatureDownAndAttackResisted(DIGITS, "thickness", hardened, 0.91, 0.06, 0.035);
    }

    @Test
    void rankingThicknessWithAttributionProtectionFlattensBreastCancerAndKeepsItsTopFeatures() {
        Graph hardened = CANCER.train(CANCER.plainSettings.withThickness(0.05, HardeningFixture.K).withProtection(10, HardeningFixture.EPSILON));
        curvatureDownAndAttackResisted(CANCER, "thickness+protection", hardened, 0.74, 0.14, 0.02);
    }

    @Test
    void smoothKendallProtectionFlattensBreastCancerAndKeepsItsTopFeatures() {
        Graph hardened = CANCER.train(CANCER.plainSettings.withKendall(1, HardeningFixture.EPSILON));
        curvatureDownAndAttackResisted(CANCER, "kendall", hardened, 0.93, 0.08, 0.02);
    }
}
