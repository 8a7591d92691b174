package dev.stabilis.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link ModelPolicy#outsideDomain}: which samples leave the policy's input domain, and how that is said. */
class InputDomainCheckTest {

    @Test
    void namesTheFirstFeatureOutsideTheDomainWithItsNameAndValue() {
        ModelPolicy policy = PolicyReader.parse("features: {names: [a, b, c]}\ndomain: {min: [0, -1, 0], max: [1, 1, 0.1]}\n", "p.yaml");

        assertThat(policy.outsideDomain(new float[] {0.5f, -1f, 0.1f})).as("bounds are inside, 0.1 as float32 too").isNull();
        assertThat(policy.outsideDomain(new float[] {0.5f, 1e30f, 16f})).isEqualTo("feature 1 (b) = 1.0E30 is outside the domain [-1.0, 1.0]");
        assertThat(policy.outsideDomain(new float[] {-0.001f, 0f, 0f})).isEqualTo("feature 0 (a) = -0.001 is outside the domain [0.0, 1.0]");
        assertThat(policy.outsideDomain(new float[] {0f, Float.NaN, 0f})).startsWith("feature 1 (b) = NaN");
    }

    @Test
    void takesOneBoundForEveryFeatureAndNamesFeaturesByIndexWithoutNames() {
        ModelPolicy policy = PolicyReader.parse("domain: {min: 0, max: 1}\n", "p.yaml");

        assertThat(policy.outsideDomain(new float[] {0f, 1f, 0.5f})).isNull();
        assertThat(policy.outsideDomain(new float[] {0f, 1f, 16f})).isEqualTo("feature 2 = 16.0 is outside the domain [0.0, 1.0]");
    }

    @Test
    void aPolicyWithoutADomainBoundsNothing() {
        assertThat(ModelPolicy.DEFAULT.outsideDomain(new float[] {1e30f, -1e30f})).isNull();
    }
}
