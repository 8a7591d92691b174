package dev.stabilis.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

class StabilityMetricsTest {

    /** scipy 1.10 (tools/reference/stability_metrics.py) and these metrics agree to rounding. */
    private static final double TOLERANCE = 1e-12;

    @Test
    void agreeWithScipyOnRandomAndTiedVectors() throws IOException {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("/stability/metrics-reference.json")) {
            cases = new ObjectMapper().readTree(in).get("cases");
        }
        assertThat(cases.size()).isGreaterThanOrEqualTo(40);
        SoftAssertions softly = new SoftAssertions();
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            StabilityMetrics m = StabilityMetrics.between(doubles(c.get("a")), doubles(c.get("b")), c.get("k").asInt());
            softly.assertThat(m.topkIntersection()).as(name + " top-k").isEqualTo(c.get("topkIntersection").asDouble());
            expect(softly, name + " kendall", m.kendallTau(), c.get("kendallTau"));
            expect(softly, name + " spearman", m.spearman(), c.get("spearman"));
            expect(softly, name + " cosine", m.cosine(), c.get("cosine"));
            softly.assertThat(m.relativeL2()).as(name + " relative L2")
                    .isCloseTo(c.get("relativeL2").asDouble(), within(TOLERANCE * Math.max(1, c.get("relativeL2").asDouble())));
        }
        softly.assertAll();
    }

    private static void expect(SoftAssertions softly, String what, double actual, JsonNode expected) {
        if (expected.isNull()) {
            softly.assertThat(actual).as(what + " is undefined").isNaN();
        } else {
            softly.assertThat(actual).as(what).isCloseTo(expected.asDouble(), within(TOLERANCE));
        }
    }

    @Test
    void anUnchangedExplanationScoresAsPerfectlyStable() {
        double[] a = {0.3, -1.2, 0.0, 2.5, -0.7};
        StabilityMetrics m = StabilityMetrics.between(a, a.clone(), 2);
        assertThat(m).isEqualTo(new StabilityMetrics(1, 1, 1, 1, 0));
    }

    @Test
    void rankingMetricsUseMagnitudesAndCosineUsesSigns() {
        double[] a = {0.3, -1.2, 0.1, 2.5};
        double[] flipped = {-0.3, 1.2, -0.1, -2.5};
        StabilityMetrics m = StabilityMetrics.between(a, flipped, 2);
        assertThat(m.topkIntersection()).isEqualTo(1);
        assertThat(m.kendallTau()).isEqualTo(1);
        assertThat(m.spearman()).isEqualTo(1);
        assertThat(m.cosine()).isCloseTo(-1, within(1e-15));
        assertThat(m.relativeL2()).isCloseTo(2, within(1e-15));
    }

    @Test
    void tiesAtTheTopkBoundaryGoToTheLowerIndex() {
        double[] a = {1, 2, 2, 0};
        double[] b = {0, 2, 0, 2};
        // T_1(a) = {1} (index 1 beats index 2), T_1(b) = {1} (index 1 beats index 3)
        assertThat(StabilityMetrics.topkIntersection(a, b, 1)).isEqualTo(1);
        // T_2(a) = {1, 2}, T_2(b) = {1, 3}
        assertThat(StabilityMetrics.topkIntersection(a, b, 2)).isEqualTo(0.5);
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
