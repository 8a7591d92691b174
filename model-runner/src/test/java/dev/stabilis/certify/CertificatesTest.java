package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CertificatesTest {

    private static final double[] LOGITS_LO = {2, 0};
    private static final double[] LOGITS_HI = {3, 1};

    @Test
    void topKBreaksTiesByTheLowerIndex() {
        assertThat(Certificates.topK(new double[] {1, -3, 3, 0.5}, 2)).containsExactly(1, 2);
        assertThat(Certificates.topK(new double[] {2, 2, 2}, 2)).containsExactly(0, 1);
    }

    @Test
    void pointBoundsCertifyEverythingWithAStrictGap() {
        double[] g = {4, -3, 1, 0.5};
        Certificate c = Certificates.of(g, g, g, 2, LOGITS_LO, LOGITS_HI, 0);
        assertThat(c.topk()).isTrue();
        assertThat(c.topkOverlap()).isEqualTo(2);
        assertThat(c.signStable()).isEqualTo(1.0);
        assertThat(c.maxDeviationLinf()).isZero();
        assertThat(c.maxDeviationL2()).isZero();
        assertThat(c.cosineLower()).isCloseTo(1.0, within(1e-12));
        assertThat(c.prediction()).as("logit 0 is at least 2, logit 1 at most 1").isTrue();
        assertThat(Certificates.of(g, g, g, 2, new double[] {2, 0}, new double[] {3, 2.5}, 0).prediction()).isFalse();
    }

    @Test
    void aTieAtTheKthPlaceIsNeverCertified() {
        double[] g = {4, 2, 2};
        assertThat(Certificates.of(g, g, g, 2, LOGITS_LO, LOGITS_HI, 0).topk()).isFalse();
    }

    @Test
    void overlappingMagnitudesBreakTheSetButKeepTheSafeMembers() {
        double[] g = {5, 3, 2.9, 0.1};
        double[] lo = {4.5, 2.5, 2.4, -0.2};
        double[] hi = {5.5, 3.5, 3.4, 0.2};
        Certificate c = Certificates.of(g, lo, hi, 2, new double[] {2.1, 0}, new double[] {3, 2}, 0);
        assertThat(c.topk()).as("feature 2 can overtake feature 1").isFalse();
        assertThat(c.topkOverlap()).as("feature 0 always stays").isEqualTo(1);
        assertThat(c.signStable()).isEqualTo(0.75);
        assertThat(c.maxDeviationLinf()).isCloseTo(0.5, within(1e-12));
        assertThat(c.maxDeviationL2()).isCloseTo(Math.sqrt(0.25 * 3 + 0.09), within(1e-12));
        assertThat(c.prediction()).isTrue();
    }

    @Test
    void overlapWeighsEveryFeatureThatCanOvertakeWhereverItSits() {
        double[] g = {0.1, 5, 0.2, 0.3, 4, 0.4, 0.2, 0.1, 0.3, 3.8};
        double[] lo = new double[g.length];
        double[] hi = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            double d = i == g.length - 1 ? 0.6 : 0.1;
            lo[i] = g[i] - d;
            hi[i] = g[i] + d;
        }
        Certificate c = Certificates.of(g, lo, hi, 2, LOGITS_LO, LOGITS_HI, 0);
        assertThat(c.topk()).as("the last feature can reach 4.4, above feature 4's least 3.9").isFalse();
        assertThat(c.topkOverlap()).as("feature 1 (at least 4.9) stays; feature 4 can be overtaken by the last").isEqualTo(1);
    }

    @Test
    void cosineLowerBoundIsAttainedByTheWorstCorner() {
        double[] g = {1, 0};
        double[] lo = {1, -1};
        double[] hi = {1, 1};
        // the worst point (1, ±1) has cosine 1/√2
        assertThat(Certificates.of(g, lo, hi, 1, LOGITS_LO, LOGITS_HI, 0).cosineLower()).isCloseTo(1 / Math.sqrt(2), within(1e-12));
    }
}
