package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.T0;
import static dev.stabilis.detect.ExplanationJson.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.contract.Alert;
import dev.stabilis.contract.ContractSchemas;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Alerts are a contract: every kind the topology emits, firing and resolved, per sample and merged, validates against
 * {@code schemas/alert.schema.json} and travels as a binary-mode CloudEvent whose {@code ce_type} names its kind.
 */
class AlertContractTest {

    private static final long SECOND = 1_000;

    @Test
    void everyAlertKindValidatesAgainstTheSchemaAndCarriesCloudEventsHeaders() {
        List<TestRecord<String, String>> records = new ArrayList<>();
        try (DetectHarness detect = new DetectHarness(DetectConfig.WINDOW_SIZE_MS + "=1000", DetectConfig.WINDOW_GRACE_MS + "=0",
                DetectConfig.WARMUP_WINDOWS + "=3", DetectConfig.MIN_SAMPLES + "=10", DetectConfig.MIN_CHANGE + "=0.1",
                DetectConfig.DASHBOARD_URL + "=https://grafana.example/d/stabilis-model")) {
            detect.send(sample("mismatch").served(5), sample("violation").invariantViolation("attack beat the bound"),
                    sample("unstable-1").uncertified().attackSucceeded(), sample("unstable-2").uncertified().attackSucceeded());
            detect.advanceWallClock(Duration.ofMinutes(2));
            // every windowed metric: three normal windows, two adverse ones, one recovered
            int[] adverse = {1, 2, 1, 14, 14, 1};
            for (int w = 0; w < adverse.length; w++) {
                for (int i = 0; i < 20; i++) {
                    ExplanationJson s = sample("w" + w + "-" + i).at(T0 + 10 * SECOND + w * SECOND + i);
                    detect.send(i < adverse[w] ? s.uncertified().attackSucceeded().radius(0.0001).served(5) : s);
                }
            }
            detect.send(sample("closer").at(T0 + 16 * SECOND));
            records.addAll(detect.alertRecords());
        }

        Map<String, Set<String>> statusesByKind = new HashMap<>();
        for (TestRecord<String, String> record : records) {
            JsonNode alert = DetectHarness.json(record.value());
            ContractSchemas.ALERT.assertValid(List.of(alert));
            Alert read = Alert.read(record.value().getBytes(StandardCharsets.UTF_8));
            statusesByKind.computeIfAbsent(read.kind(), k -> new java.util.TreeSet<>()).add(read.status());
            Map<String, String> headers = headers(record);
            assertThat(headers).as("CloudEvents binary mode").containsEntry("ce_specversion", "1.0")
                    .containsEntry("ce_id", read.alertId())
                    .containsEntry("ce_type", "dev.stabilis.alert." + read.kind().toLowerCase(java.util.Locale.ROOT))
                    .containsEntry("ce_source", "/stabilis/detect").containsEntry("ce_subject", "digits")
                    .containsEntry("ce_status", read.status()).containsEntry("ce_severity", read.severity())
                    .containsEntry("ce_dataschema", "urn:dev.stabilis:schema:alert:1")
                    .containsEntry("content-type", "application/json").containsKey("ce_time");
            // a model-level alert (class -1) links to all of the model's classes
            assertThat(read.dashboardUrl()).startsWith("https://grafana.example/d/stabilis-model?var-model=digits&var-version=1&var-class="
                    + (read.kind().equals("MODEL_SILENT") ? "%24__all" : "3"));
        }
        assertThat(statusesByKind).as("every kind the topology emits, windowed ones firing and then resolved").isEqualTo(Map.of(
                "SAMPLE_UNSTABLE", Set.of("firing"), "PREDICTION_MISMATCH", Set.of("firing"), "CERTIFICATE_VIOLATION", Set.of("firing"),
                "CERTIFIED_FRACTION_DROP", Set.of("firing", "resolved"), "RADIUS_DROP", Set.of("firing", "resolved"),
                "ATTACK_SUCCESS_RISE", Set.of("firing", "resolved"), "PREDICTION_MISMATCH_RISE", Set.of("firing", "resolved"),
                "MODEL_SILENT", Set.of("firing")));
        assertThat(records).as("a merged SAMPLE_UNSTABLE alert is among them")
                .anySatisfy(r -> assertThat(DetectHarness.json(r.value()).get("count").asInt()).isGreaterThan(1));
    }

    @Test
    void aMutatedAlertFailsTheSchema() {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(sample("r1").served(5));
            ObjectNode alert = (ObjectNode) detect.alerts().get(0);
            ContractSchemas.ALERT.assertValid(List.of(alert));
            assertThat(ContractSchemas.ALERT.violations(alert.deepCopy().put("status", "pending"))).isNotEmpty();
            assertThat(ContractSchemas.ALERT.violations(alert.deepCopy().put("startsAt", T0))).isNotEmpty();
            assertThat(ContractSchemas.ALERT.violations(alert.deepCopy().put("endsAt", "2025-11-24T16:00:00Z")))
                    .as("a firing alert has not ended").isNotEmpty();
            assertThat(ContractSchemas.ALERT.violations((ObjectNode) alert.deepCopy().without("summary"))).isNotEmpty();
            assertThat(ContractSchemas.ALERT.violations(alert.deepCopy().put("detail", "the old field"))).isNotEmpty();
        }
    }

    private static Map<String, String> headers(TestRecord<String, String> record) {
        return java.util.Arrays.stream(record.headers().toArray()).collect(Collectors.toMap(Header::key,
                h -> new String(h.value(), StandardCharsets.UTF_8), (a, b) -> b));
    }
}
