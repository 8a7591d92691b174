package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.T0;
import static dev.stabilis.detect.ExplanationJson.sample;
import static dev.stabilis.detect.PerSampleRulesTest.kinds;
import static dev.stabilis.detect.PerSampleRulesTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.contract.Rfc3339;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Suppression: the first alert of a (kind, model, version, class) goes out at once, repeats within the
 * suppression window are merged into one alert, and every sample lands in exactly one alert's evidence.
 */
class AlertSuppressionTest {

    private static final Duration PAST_THE_SUPPRESSION_WINDOW = Duration.ofSeconds(61);

    @Test
    void theFirstAlertGoesOutAtOnceAndRepeatsAreMergedWhenTheWindowEnds() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(unstable(0), unstable(1), unstable(2), unstable(3), unstable(4));

            List<JsonNode> immediate = detect.alerts();
            assertThat(immediate).hasSize(1);
            assertThat(texts(immediate.get(0).get("evidence"))).containsExactly("u0#0");

            detect.advanceWallClock(Duration.ofSeconds(30));
            assertThat(detect.alerts()).as("still inside the suppression window").isEmpty();

            detect.advanceWallClock(Duration.ofSeconds(31));
            List<JsonNode> merged = detect.alerts();
            assertThat(merged).hasSize(1);
            JsonNode alert = merged.get(0);
            assertThat(alert.get("kind").asText()).isEqualTo("SAMPLE_UNSTABLE");
            assertThat(texts(alert.get("evidence"))).containsExactly("u1#0", "u2#0", "u3#0", "u4#0");
            assertThat(alert.get("count").asInt()).isEqualTo(4);
            assertThat(alert.get("requestId").isNull()).isTrue();
            assertThat(alert.get("class").asInt()).isEqualTo(3);
            assertThat(alert.get("classLabel").asText()).isEqualTo("3");
            assertThat(alert.get("topFeatures").get(0).get("name").asText()).isEqualTo("px_1_4");
            assertThat(alert.get("window").get("start").asText()).isEqualTo(Rfc3339.of(T0 + 1));
            assertThat(alert.get("window").get("end").asText()).isEqualTo(Rfc3339.of(T0 + 5));
            assertThat(alert.get("alertId").asText()).isNotEqualTo(immediate.get(0).get("alertId").asText());

            detect.advanceWallClock(PAST_THE_SUPPRESSION_WINDOW);
            assertThat(detect.alerts()).as("nothing is emitted twice").isEmpty();
        }
    }

    @Test
    void eachKindModelVersionAndClassIsSuppressedOnItsOwn() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(unstable(0), unstable(1).predicted(4), unstable(2).model("digits", "2"),
                    unstable(3).model("credit", "1"), sample("m4").served(5), unstable(5));

            assertThat(detect.alerts()).extracting(a -> a.get("requestId").asText())
                    .containsExactly("u0", "u1", "u2", "u3", "m4");
        }
    }

    @Test
    void anAlertWhoseEventTimeIsPastTheWindowStartsANewEpisodeEvenWithoutWallClockTime() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(unstable(0), unstable(1).at(T0 + 10_000), unstable(2).at(T0 + 60_000));

            List<JsonNode> alerts = detect.alerts();
            assertThat(alerts).extracting(a -> texts(a.get("evidence")))
                    .containsExactly(List.of("u0#0"), List.of("u1#0"), List.of("u2#0"));
            assertThat(alerts.get(1).get("requestId").isNull()).as("u1 came out merged").isTrue();
            assertThat(alerts.get(2).get("requestId").asText()).as("u2 opened the next episode").isEqualTo("u2");
        }
    }

    @Test
    void aMergedAlertIsEmittedEarlyOnceItHoldsTheMostEvidenceAllowed() {
        try (DetectHarness detect = new DetectHarness(DetectConfig.SUPPRESSION_MAX_EVIDENCE + "=2")) {
            detect.send(IntStream.range(0, 6).mapToObj(AlertSuppressionTest::unstable).toList());

            assertThat(detect.alerts()).extracting(a -> texts(a.get("evidence")))
                    .containsExactly(List.of("u0#0"), List.of("u1#0", "u2#0"), List.of("u3#0", "u4#0"));
            detect.advanceWallClock(PAST_THE_SUPPRESSION_WINDOW);
            assertThat(detect.alerts()).extracting(a -> texts(a.get("evidence"))).containsExactly(List.of("u5#0"));
        }
    }

    @Test
    void everyUnstableSampleLandsInTheEvidenceOfExactlyOneAlert() {
        List<ExplanationJson> traffic = new ArrayList<>();
        List<String> unstableIds = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ExplanationJson s = sample("s" + i).predicted(i % 3).at(T0 + i * 2_500L);
            if (i % 4 != 0) {
                s.uncertified().attackSucceeded();
                unstableIds.add(s.sampleId());
            }
            traffic.add(s);
        }
        try (DetectHarness detect = new DetectHarness(DetectConfig.SUPPRESSION_MAX_EVIDENCE + "=5")) {
            detect.send(traffic.subList(0, 30));
            detect.advanceWallClock(Duration.ofSeconds(20));
            detect.send(traffic.subList(30, 60));
            detect.advanceWallClock(PAST_THE_SUPPRESSION_WINDOW);

            List<JsonNode> alerts = detect.alerts();
            assertThat(kinds(alerts)).containsOnly("SAMPLE_UNSTABLE");
            List<String> evidence = alerts.stream().flatMap(a -> texts(a.get("evidence")).stream()).toList();
            assertThat(evidence).containsExactlyInAnyOrderElementsOf(unstableIds);
            assertThat(alerts).allSatisfy(a ->
                    assertThat(a.get("count").asInt()).isEqualTo(a.get("evidence").size()));
        }
    }

    private static ExplanationJson unstable(int i) {
        return sample("u" + i).at(T0 + i).uncertified().attackSucceeded();
    }
}
