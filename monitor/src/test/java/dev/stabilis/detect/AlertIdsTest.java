package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.T0;
import static dev.stabilis.detect.ExplanationJson.sample;
import static dev.stabilis.detect.PerSampleRulesTest.kinds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Alert ids derive from the cause, so replaying the same explanations yields the same ids. */
class AlertIdsTest {

    @Test
    void theSameInputTwiceGivesTheSameAlertIds() {
        List<JsonNode> first = alertsOf(replayableTraffic());
        List<JsonNode> second = alertsOf(replayableTraffic());

        assertThat(kinds(first)).as("the two minutes without traffic are a silence of the model too")
                .containsExactlyInAnyOrder("SAMPLE_UNSTABLE", "SAMPLE_UNSTABLE", "CERTIFICATE_VIOLATION", "CERTIFIED_FRACTION_DROP",
                        "ATTACK_SUCCESS_RISE", "MODEL_SILENT");
        assertThat(ids(first)).doesNotHaveDuplicates().isEqualTo(ids(second))
                .allSatisfy(id -> assertThat(UUID.fromString(id)).isNotNull());
    }

    @Test
    void differentCausesGetDifferentIds() {
        List<JsonNode> alerts = alertsOf(List.of(
                sample("r1").uncertified().attackSucceeded().served(5),
                sample("r2").uncertified().attackSucceeded().model("digits", "2")));

        assertThat(ids(alerts)).as("two samples, a merged alert and the model's silence").hasSize(4).doesNotHaveDuplicates();
    }

    /** All alerts of the traffic: immediate, merged after the wall clock moves, violation, windowed and silence. */
    private static List<JsonNode> alertsOf(List<ExplanationJson> traffic) {
        try (DetectHarness detect = new DetectHarness(DetectConfig.WINDOW_SIZE_MS + "=1000",
                DetectConfig.WINDOW_GRACE_MS + "=0", DetectConfig.WARMUP_WINDOWS + "=1", DetectConfig.MIN_SAMPLES + "=2")) {
            detect.send(traffic);
            detect.advanceWallClock(Duration.ofMinutes(2));
            return detect.alerts();
        }
    }

    private static List<String> ids(List<JsonNode> alerts) {
        return alerts.stream().map(a -> a.get("alertId").asText()).toList();
    }

    private static List<ExplanationJson> replayableTraffic() {
        List<ExplanationJson> traffic = new ArrayList<>();
        traffic.add(sample("a").at(T0));
        traffic.add(sample("b").at(T0 + 1));
        traffic.add(sample("c").at(T0 + 1_000).uncertified().attackSucceeded());
        traffic.add(sample("d").at(T0 + 1_001).uncertified().attackSucceeded());
        traffic.add(sample("e").at(T0 + 1_002).uncertified().attackSucceeded());
        traffic.add(sample("f").at(T0 + 1_003).invariantViolation("attack beat the top-k certificate"));
        traffic.add(sample("g").at(T0 + 2_000));
        return traffic;
    }
}
