package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.T0;
import static dev.stabilis.detect.ExplanationJson.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.contract.Rfc3339;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Windowed baselines: after a warm-up of 3 one-second windows of at least 10 samples, a window whose metric
 * departs from the median of the past windows by more than max(3 robust σ, 0.1) alerts; smaller moves, small
 * windows and warm-up windows do not.
 */
class WindowedBaselinesTest {

    private static final long SECOND = 1_000;
    private static final int SAMPLES = 20;

    static final String[] SETTINGS = {
            DetectConfig.WINDOW_SIZE_MS + "=1000",
            DetectConfig.WINDOW_GRACE_MS + "=0",
            DetectConfig.WARMUP_WINDOWS + "=3",
            DetectConfig.BASELINE_WINDOWS + "=10",
            DetectConfig.MIN_SAMPLES + "=10",
            DetectConfig.Z_THRESHOLD + "=3",
            DetectConfig.MIN_CHANGE + "=0.1"};

    static final UnaryOperator<ExplanationJson> UNCERTIFIED = ExplanationJson::uncertified;

    @Test
    void aDropOfTheCertifiedFractionBelowTheLearntBaselineAlerts() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(1, SAMPLES, 1, UNCERTIFIED));
            detect.send(window(2, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(3, SAMPLES, 10, UNCERTIFIED));
            detect.send(windowCloser(4));

            List<JsonNode> alerts = detect.alerts();
            assertThat(alerts).hasSize(1);
            JsonNode alert = alerts.get(0);
            assertThat(alert.get("kind").asText()).isEqualTo("CERTIFIED_FRACTION_DROP");
            assertThat(alert.get("severity").asText()).isEqualTo("warning");
            assertThat(alert.get("class").asInt()).isEqualTo(3);
            assertThat(alert.get("observed").asDouble()).isEqualTo(0.5);
            assertThat(alert.get("baseline").asDouble()).as("median of 0.9, 0.95, 0.9").isEqualTo(0.9);
            assertThat(alert.get("threshold").asDouble()).as("0.9 - max(3 x 1.4826 x MAD floor 0.01, 0.1)")
                    .isCloseTo(0.8, within(1e-9));
            assertThat(alert.get("window").get("start").asText()).isEqualTo(Rfc3339.of(T0 + 3 * SECOND));
            assertThat(alert.get("window").get("end").asText()).isEqualTo(Rfc3339.of(T0 + 4 * SECOND));
            assertThat(alert.get("count").asInt()).isEqualTo(SAMPLES);
            assertThat(alert.get("evidence")).isEmpty();
            assertThat(alert.get("requestId").isNull()).isTrue();
            assertThat(alert.get("description").asText()).contains("certified fraction 0.5000 over 20 samples is below");
        }
    }

    @Test
    void aSmallFluctuationDoesNotAlert() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(1, SAMPLES, 1, UNCERTIFIED));
            detect.send(window(2, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(3, SAMPLES, 3, UNCERTIFIED));
            detect.send(windowCloser(4));

            assertThat(detect.alerts()).as("0.85 against a baseline of 0.9 and threshold 0.8").isEmpty();
        }
    }

    @Test
    void nothingIsJudgedDuringWarmUp() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, SAMPLES, 0, UNCERTIFIED));
            detect.send(window(1, SAMPLES, 18, UNCERTIFIED));
            detect.send(window(2, SAMPLES, 0, UNCERTIFIED));
            detect.send(window(3, SAMPLES, 18, UNCERTIFIED));
            detect.send(windowCloser(4));

            assertThat(detect.alerts()).as("window 1 drops as far as window 3 but falls in the warm-up")
                    .extracting(a -> a.get("window").get("start").asText()).containsExactly(Rfc3339.of(T0 + 3 * SECOND));
        }
    }

    @Test
    void aWindowWithFewerSamplesThanTheMinimumIsNotJudged() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(1, SAMPLES, 1, UNCERTIFIED));
            detect.send(window(2, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(3, 9, 9, UNCERTIFIED));
            detect.send(windowCloser(4));

            assertThat(detect.alerts()).isEmpty();
        }
    }

    @Test
    void aWindowWithFewerSamplesThanTheMinimumIsNotLearntFrom() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(1, SAMPLES, 1, UNCERTIFIED));
            detect.send(window(2, 9, 9, UNCERTIFIED));
            detect.send(window(3, SAMPLES, 10, UNCERTIFIED));
            detect.send(windowCloser(4));

            assertThat(detect.alerts()).as("two windows learnt, the warm-up needs three").isEmpty();
        }
    }

    @Test
    void aDepartingWindowFiresOnceAndTheFirstRecoveredWindowResolvesIt() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(1, SAMPLES, 1, UNCERTIFIED));
            detect.send(window(2, SAMPLES, 2, UNCERTIFIED));
            detect.send(window(3, SAMPLES, 10, UNCERTIFIED));
            detect.send(window(4, SAMPLES, 12, UNCERTIFIED));
            detect.send(window(5, SAMPLES, 2, UNCERTIFIED));
            detect.send(windowCloser(6));

            List<JsonNode> alerts = detect.alerts();
            assertThat(alerts).extracting(a -> a.get("status").asText()).as("window 4 still departs: no repeat")
                    .containsExactly("firing", "resolved");
            JsonNode firing = alerts.get(0);
            JsonNode resolved = alerts.get(1);
            assertThat(firing.get("startsAt").asText()).isEqualTo(Rfc3339.of(T0 + 3 * SECOND));
            assertThat(firing.get("endsAt").isNull()).isTrue();
            assertThat(resolved.get("kind").asText()).isEqualTo("CERTIFIED_FRACTION_DROP");
            assertThat(resolved.get("fingerprint").asText()).isEqualTo(firing.get("fingerprint").asText());
            assertThat(resolved.get("alertId").asText()).isNotEqualTo(firing.get("alertId").asText());
            assertThat(resolved.get("startsAt").asText()).isEqualTo(firing.get("startsAt").asText());
            assertThat(resolved.get("endsAt").asText()).as("the end of the last departing window").isEqualTo(Rfc3339.of(T0 + 5 * SECOND));
            assertThat(resolved.get("window").get("start").asText()).isEqualTo(Rfc3339.of(T0 + 5 * SECOND));
            assertThat(resolved.get("observed").asDouble()).isEqualTo(0.9);
            assertThat(resolved.get("summary").asText()).startsWith("Resolved: Certified fraction drop on model digits");
        }
    }

    static Stream<Arguments> metrics() {
        UnaryOperator<ExplanationJson> asIs = UnaryOperator.identity();
        return Stream.of(
                Arguments.of("CERTIFIED_FRACTION_DROP", asIs, UNCERTIFIED),
                Arguments.of("RADIUS_DROP", asIs, (UnaryOperator<ExplanationJson>) s -> s.radius(0.001)),
                Arguments.of("ATTACK_SUCCESS_RISE", UNCERTIFIED,
                        (UnaryOperator<ExplanationJson>) s -> s.uncertified().attackSucceeded()),
                Arguments.of("PREDICTION_MISMATCH_RISE", asIs, (UnaryOperator<ExplanationJson>) s -> s.served(5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("metrics")
    void eachMetricAlertsWhenItMovesInItsAdverseDirection(String kind, UnaryOperator<ExplanationJson> normal,
                                                         UnaryOperator<ExplanationJson> adverse) {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            int[] adversePerWindow = {1, 2, 1, 14};
            for (int w = 0; w < adversePerWindow.length; w++) {
                List<ExplanationJson> samples = window(w, SAMPLES, adversePerWindow[w], adverse);
                samples.subList(adversePerWindow[w], SAMPLES).replaceAll(normal);
                detect.send(samples);
            }
            detect.send(normal.apply(windowCloser(4)));

            assertThat(detect.alerts()).filteredOn(a -> a.get("kind").asText().equals(kind)).singleElement()
                    .satisfies(a -> assertThat(a.get("window").get("start").asText()).isEqualTo(Rfc3339.of(T0 + 3 * SECOND)));
        }
    }

    /** {@code n} samples in window {@code w}, the first {@code adverse} of them changed by {@code change}. */
    static List<ExplanationJson> window(int w, int n, int adverse, UnaryOperator<ExplanationJson> change) {
        List<ExplanationJson> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ExplanationJson s = sample("w" + w + "-" + i).at(T0 + w * SECOND + i);
            samples.add(i < adverse ? change.apply(s) : s);
        }
        return samples;
    }

    /** A sample in window {@code w}, whose event time closes the windows before it. */
    private static ExplanationJson windowCloser(int w) {
        return sample("closer").at(T0 + w * SECOND);
    }
}
