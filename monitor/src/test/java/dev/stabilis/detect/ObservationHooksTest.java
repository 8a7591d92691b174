package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The listeners hear every well-formed sample and every emitted alert, as metrics need them. */
class ObservationHooksTest {

    @Test
    void theExplanationListenerHearsEveryWellFormedSample() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("certified"), sample("attacked").uncertified().attackSucceeded().radius(0.0005).served(5));
            detect.sendRaw("digits", "{".getBytes(StandardCharsets.UTF_8), new RecordHeaders());

            assertThat(detect.heardExplanations).hasSize(2);
            Explanation attacked = detect.heardExplanations.get(1);
            assertThat(attacked.model()).isEqualTo("digits");
            assertThat(attacked.version()).isEqualTo("1");
            assertThat(attacked.predicted()).isEqualTo(3);
            assertThat(attacked.topkCertified()).isFalse();
            assertThat(attacked.radius()).isEqualTo(0.0005);
            assertThat(attacked.attackSucceeded()).isTrue();
            assertThat(attacked.certificate().boundWidthMean()).isEqualTo(0.002);
            assertThat(attacked.curvature()).isEqualTo(0.0);
            assertThat(attacked.mismatched()).isTrue();
            assertThat(detect.heardExplanations.get(0).topkCertified()).isTrue();
        }
    }

    @Test
    void theAlertListenerHearsEveryEmittedAlertAsWritten() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("r1").uncertified().attackSucceeded().served(5));

            assertThat(detect.heardAlerts).extracting(Alert::kind)
                    .containsExactly("SAMPLE_UNSTABLE", "PREDICTION_MISMATCH");
            Alert heard = detect.heardAlerts.get(0);
            assertThat(heard.severity()).isEqualTo("warning");
            assertThat(heard.predictedClass()).isEqualTo(3);
            assertThat(heard.emittedAt()).isEqualTo(DetectHarness.WALL_CLOCK_START.toString());
            assertThat(detect.alerts()).extracting(a -> a.get("alertId").asText())
                    .containsExactly(heard.alertId(), detect.heardAlerts.get(1).alertId());
        }
    }
}
