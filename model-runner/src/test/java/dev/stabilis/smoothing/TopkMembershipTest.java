package dev.stabilis.smoothing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

class TopkMembershipTest {

    private static final Noise NOISE = new UniformBallNoise(0.5, 10);

    @Test
    void unanimousDrawsCertifyTheSetUpToTheRadiusOfTheClopperPearsonBoundAtAlphaOverTwoD() {
        int[] counts = {1000, 0, 1000, 0, 0, 0, 0, 0, 0, 0};
        TopkMembership membership = new TopkMembership(counts, 1000, 2, 0.001, NOISE);
        double lower = ClopperPearson.lower(1000, 1000, 0.001 / 20);
        double radius = NOISE.radius(lower);
        assertThat(radius).isPositive();
        assertThat(membership.setRadius()).isCloseTo(radius, offset(1e-15));
        assertThat(membership.certifiedIn(radius * 0.99)).containsExactly(0, 2);
        assertThat(membership.certifiedOut(radius * 0.99)).containsExactly(1, 3, 4, 5, 6, 7, 8, 9);
        assertThat(membership.certifiedIn(radius)).as("the radius itself is not claimed").isEmpty();
        assertThat(membership.frequency()).containsExactly(1, 0, 1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void aFeatureWhoseIntervalContainsOneHalfIsNeitherInNorOutAndTheSetIsNotCertified() {
        int[] counts = {1000, 520, 480, 0, 0, 0, 0, 0, 0, 0};
        TopkMembership membership = new TopkMembership(counts, 1000, 2, 0.001, NOISE);
        assertThat(membership.certifiedIn(0)).containsExactly(0);
        assertThat(membership.certifiedOut(0)).containsExactly(3, 4, 5, 6, 7, 8, 9);
        assertThat(membership.setRadius()).isZero();
    }

    @Test
    void theSetRadiusIsTheLeastOfTheInAndOutRadii() {
        int[] counts = {990, 900, 0, 60, 0, 0, 0, 0, 0, 50};
        TopkMembership membership = new TopkMembership(counts, 1000, 2, 0.001, NOISE);
        double in = NOISE.radius(ClopperPearson.lower(900, 1000, 0.001 / 20));
        double out = NOISE.radius(1 - ClopperPearson.upper(60, 1000, 0.001 / 20));
        assertThat(membership.setRadius()).isCloseTo(Math.min(in, out), offset(1e-15)).isPositive();
        assertThat(membership.certifiedIn(0)).containsExactly(0, 1);
    }
}
