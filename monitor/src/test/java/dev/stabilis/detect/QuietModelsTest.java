package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.T0;
import static dev.stabilis.detect.ExplanationJson.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.contract.ContractSchemas;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Models whose traffic stops: their windows close on the wall clock, and after three quiet windows of one second each
 * they get exactly one MODEL_SILENT alert; none while traffic flows.
 */
class QuietModelsTest {

    private static final long SECOND = 1_000;

    /** The windowed baselines' one-second windows, three windows of silence, checked every 100 ms. */
    private static final String[] SETTINGS = Stream.concat(Arrays.stream(WindowedBaselinesTest.SETTINGS),
            Stream.of(DetectConfig.SILENCE_WINDOWS + "=3", DetectConfig.IDLE_CHECK_INTERVAL_MS + "=100")).toArray(String[]::new);

    @Test
    void aModelThatStopsReceivingTrafficGetsExactlyOneModelSilentAlert() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, 20, 0));
            detect.send(window(1, 20, 0));

            quietFor(detect, Duration.ofMillis(2900));
            assertThat(silences(detect.alerts())).as("under three windows").isEmpty();
            quietFor(detect, Duration.ofMillis(200));
            List<JsonNode> alerts = detect.alerts();
            assertThat(silences(alerts)).singleElement().satisfies(alert -> {
                assertThat(alert.path("model").asText()).isEqualTo("digits");
                assertThat(alert.path("version").asText()).isEqualTo("1");
                assertThat(alert.path("severity").asText()).isEqualTo("warning");
                assertThat(alert.path("status").asText()).isEqualTo("firing");
                assertThat(alert.path("class").asInt()).isEqualTo(-1);
                assertThat(alert.path("observedMetric").asText()).isEqualTo("silence_seconds");
                assertThat(alert.path("threshold").asDouble()).isEqualTo(3.0);
                assertThat(alert.path("description").asText()).startsWith("no sample of model digits for 3 s (3 windows of 1 s)");
            });
            ContractSchemas.ALERT.assertValid(alerts);
            quietFor(detect, Duration.ofSeconds(20));
            assertThat(silences(detect.alerts())).as("one alert per silence").isEmpty();
        }
    }

    @Test
    void noModelSilentAlertWhileTrafficFlows() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            List<JsonNode> alerts = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                detect.send(sample("s" + i).at(T0 + i * 500L));
                quietFor(detect, Duration.ofMillis(500));
                alerts.addAll(detect.alerts());
            }
            assertThat(silences(alerts)).isEmpty();
        }
    }

    @Test
    void theSilenceEndsWithTheNextSampleAndALaterSilenceAlertsAgain() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(sample("before").at(T0));
            quietFor(detect, Duration.ofSeconds(4));
            detect.send(sample("back").at(T0 + 10 * SECOND));
            quietFor(detect, Duration.ofSeconds(4));

            List<JsonNode> silences = silences(detect.alerts());
            assertThat(silences).hasSize(2);
            assertThat(silences.get(0).path("alertId").asText()).isNotEqualTo(silences.get(1).path("alertId").asText());
        }
    }

    @Test
    void theLastWindowOfAModelThatFellQuietIsJudgedOnTheWallClock() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            detect.send(window(0, 20, 2));
            detect.send(window(1, 20, 1));
            detect.send(window(2, 20, 2));
            detect.send(window(3, 20, 10));
            assertThat(detect.alerts()).as("window 3 is still open: no later sample").isEmpty();

            quietFor(detect, Duration.ofMillis(1500));

            assertThat(detect.alerts()).extracting(a -> a.path("kind").asText()).containsExactly("CERTIFIED_FRACTION_DROP");
            assertThat(detect.heardWindows).extracting(w -> w.values().get("certified_fraction")).containsExactly(0.9, 0.95, 0.9, 0.5);
        }
    }

    /** Moves the wall clock in the steps of the idle check, as time passes without samples. */
    private static void quietFor(DetectHarness detect, Duration duration) {
        for (long ms = 0; ms < duration.toMillis(); ms += 100) {
            detect.advanceWallClock(Duration.ofMillis(100));
        }
    }

    private static List<JsonNode> silences(List<JsonNode> alerts) {
        return alerts.stream().filter(a -> a.path("kind").asText().equals("MODEL_SILENT")).toList();
    }

    private static List<ExplanationJson> window(int w, int n, int uncertified) {
        return WindowedBaselinesTest.window(w, n, uncertified, WindowedBaselinesTest.UNCERTIFIED);
    }
}
