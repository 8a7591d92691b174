package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.T0;
import static dev.stabilis.detect.ExplanationJson.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.contract.Rfc3339;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The per-sample rules: which samples raise which alert, and that a stable sample never alerts. */
class PerSampleRulesTest {

    @Test
    void stableSamplesNeverAlert() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(
                    sample("certified"),
                    sample("uncertified-but-attack-failed").uncertified(),
                    sample("uncertified-without-attacks").uncertified().withoutAttack(),
                    sample("no-certificate-no-attacks").withoutCertificate().withoutAttack(),
                    sample("no-response-joined").withoutResponse());

            assertThat(detect.alerts()).isEmpty();
        }
    }

    @Test
    void anUncertifiedSampleWhoseAttackSucceededIsUnstable() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("r1").uncertified().attackSucceeded());

            List<JsonNode> alerts = detect.alerts();
            assertThat(alerts).hasSize(1);
            JsonNode alert = alerts.get(0);
            assertThat(fieldNames(alert)).containsExactly("alertId", "fingerprint", "kind", "status", "severity", "model",
                    "version", "class", "classLabel", "startsAt", "endsAt", "window", "summary", "description",
                    "observedMetric", "observed", "baseline", "threshold", "epsilon", "certificateMethod", "requestId",
                    "evidence", "count", "topFeatures", "dashboardUrl", "emittedAt", "attributionDrift");
            assertThat(alert.get("status").asText()).isEqualTo("firing");
            assertThat(alert.get("summary").asText()).isEqualTo("Sample unstable on model digits version 1 class 3: sample r1#0");
            assertThat(alert.get("observedMetric").asText()).isEqualTo("topk_intersection");
            assertThat(alert.get("epsilon").asDouble()).isEqualTo(0.002);
            assertThat(alert.get("certificateMethod").asText()).isEqualTo("interval");
            assertThat(alert.get("kind").asText()).isEqualTo("SAMPLE_UNSTABLE");
            assertThat(alert.get("severity").asText()).isEqualTo("warning");
            assertThat(alert.get("model").asText()).isEqualTo("digits");
            assertThat(alert.get("version").asText()).isEqualTo("1");
            assertThat(alert.get("class").asInt()).isEqualTo(3);
            assertThat(alert.get("classLabel").asText()).isEqualTo("3");
            assertThat(alert.get("window").isNull()).isTrue();
            assertThat(alert.get("attributionDrift").isNull()).as("only ATTRIBUTION_DRIFT alerts carry it").isTrue();
            assertThat(alert.get("observed").asDouble()).as("the attack's top-k intersection").isEqualTo(0.4);
            assertThat(alert.get("requestId").asText()).isEqualTo("r1");
            assertThat(texts(alert.get("evidence"))).containsExactly("r1#0");
            assertThat(alert.get("count").asInt()).isEqualTo(1);
            assertThat(alert.get("topFeatures").get(0).get("name").asText()).isEqualTo("px_1_4");
            assertThat(alert.get("description").asText()).contains("not certified", "topk attack");
            assertThat(alert.get("startsAt").asText()).isEqualTo(Rfc3339.of(T0));
            assertThat(alert.get("endsAt").isNull()).isTrue();
            assertThat(alert.get("emittedAt").asText()).isEqualTo(DetectHarness.WALL_CLOCK_START.toString());
        }
    }

    @Test
    void anUnstableSampleCertifiedBySmoothingIsDescribedByItsL2RadiusAndNoiseNotThePolicysBox() {
        try (DetectHarness detect = new DetectHarness(DetectConfig.MIN_TOPK_OVERLAP + "=4")) {
            detect.send(sample("smoothed").smoothingCertificate(0.01, 5).attackSucceeded(),
                    sample("overlap").smoothingCertificate(0.01, 3));

            List<JsonNode> alerts = detect.alerts();
            assertThat(alerts).hasSize(1);
            JsonNode alert = alerts.get(0);
            assertThat(alert.get("requestId").asText()).isEqualTo("overlap");
            assertThat(alert.get("epsilon").asDouble()).as("the certificate's radius").isEqualTo(0.01);
            assertThat(alert.get("certificateMethod").asText()).isEqualTo("smoothing");
            assertThat(alert.get("description").asText()).isEqualTo("certified top-k overlap 3 of 5 is below the minimum 4 (by a "
                    + "smoothing certificate within l2 radius 0.01 (uniform-ball noise of scale 1.0, n = 200, alpha = 0.001))");
        }
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("smoothed").smoothingCertificate(0.01, 2).attackSucceeded());

            String description = detect.alerts().get(0).get("description").asText();
            assertThat(description).isEqualTo("top-k not certified by a smoothing certificate within l2 radius 0.01 (uniform-ball "
                    + "noise of scale 1.0, n = 200, alpha = 0.001), and the topk attack within the L∞ box of epsilon 0.002 kept a "
                    + "top-k intersection of 0.4");
        }
    }

    @Test
    void anUnstableSampleCertifiedByLinearBoundsNamesTheirAlphaStepsAndBox() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("linear").uncertified().linearCertificate(3).attackSucceeded());

            assertThat(detect.alerts().get(0).get("description").asText()).startsWith(
                    "top-k not certified by linear bounds (3 alpha steps) over the L∞ box of epsilon 0.002, and the topk attack");
        }
    }

    @Test
    void aSampleWithoutCertificateWhoseAttackSucceededIsUnstable() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("r1").withoutCertificate().attackSucceeded());

            assertThat(kinds(detect.alerts())).containsExactly("SAMPLE_UNSTABLE");
        }
    }

    @Test
    void aCertifiedOverlapBelowTheMinimumIsUnstableOnlyWhenTheRuleIsOn() {
        ExplanationJson overlapThree = sample("r1").uncertified().topkOverlap(3);
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(overlapThree);
            assertThat(detect.alerts()).as("the overlap rule is off by default").isEmpty();
        }
        try (DetectHarness detect = new DetectHarness(DetectConfig.MIN_TOPK_OVERLAP + "=4")) {
            detect.send(overlapThree, sample("r2").uncertified().topkOverlap(4));

            List<JsonNode> alerts = detect.alerts();
            assertThat(kinds(alerts)).containsExactly("SAMPLE_UNSTABLE");
            assertThat(alerts.get(0).get("requestId").asText()).isEqualTo("r1");
            assertThat(alerts.get(0).get("observed").asDouble()).isEqualTo(3.0);
            assertThat(alerts.get(0).get("threshold").asDouble()).isEqualTo(4.0);
        }
    }

    @Test
    void aServedClassThatDiffersFromTheRecomputedPredictionIsAMismatch() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("r1").served(5));

            List<JsonNode> alerts = detect.alerts();
            assertThat(kinds(alerts)).containsExactly("PREDICTION_MISMATCH");
            assertThat(alerts.get(0).get("description").asText()).contains("served class 5", "prediction is 3");
        }
    }

    @Test
    void anInvariantViolationIsCriticalFailsClosedAndIsNeverSuppressed() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(
                    sample("r1").invariantViolation("attack top-k intersection 0.4 below certified 1.0").attackSucceeded(),
                    sample("r2").invariantViolation("attack L2 change 0.5 above certified 0.03"));

            List<JsonNode> alerts = detect.alerts();
            assertThat(kinds(alerts)).as("r1's certificate no longer counts, so its successful attack is unstable")
                    .containsExactly("CERTIFICATE_VIOLATION", "SAMPLE_UNSTABLE", "CERTIFICATE_VIOLATION");
            assertThat(alerts.get(0).get("severity").asText()).isEqualTo("critical");
            assertThat(alerts.get(2).get("requestId").asText()).isEqualTo("r2");
            assertThat(alerts.get(2).get("description").asText()).contains("attack L2 change 0.5 above certified 0.03");
        }
    }

    @Test
    void alertsAreKeyedByModel() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("r1").model("credit", "7").served(1));

            assertThat(detect.alertKeys()).containsExactly("credit");
        }
    }

    static List<String> kinds(List<JsonNode> alerts) {
        return alerts.stream().map(a -> a.get("kind").asText()).toList();
    }

    static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
