package dev.stabilis.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Explanation records that cannot be read go to the dead-letter topic, whole, with the reason; none is dropped. */
class DeadLetterTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"requestId\": |not a valid Explanation JSON object",
            "[1, 2, 3]|not a valid Explanation JSON object",
            "{\"model\": \"digits\"}|missing required field 'requestId'",
            "{\"requestId\": \"r\", \"index\": \"first\"}|not a valid Explanation JSON object",
    })
    void anUnreadableRecordGoesToTheDeadLetterTopicWithItsOriginalBytesAndHeaders(String value, String detail) {
        byte[] original = value.getBytes(StandardCharsets.UTF_8);
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "00-abc-01".getBytes(StandardCharsets.UTF_8));
        try (DetectHarness detect = new DetectHarness()) {
            detect.sendRaw("digits", original, headers);

            List<TestRecord<String, String>> letters = detect.deadLetters();
            assertThat(letters).hasSize(1);
            TestRecord<String, String> letter = letters.get(0);
            assertThat(letter.key()).isEqualTo("digits");
            assertThat(letter.headers().lastHeader("traceparent").value()).isEqualTo(headers.lastHeader("traceparent").value());
            JsonNode body = DetectHarness.json(letter.value());
            assertThat(body.get("reason").asText()).isEqualTo("MALFORMED_EXPLANATION");
            assertThat(body.get("detail").asText()).contains(detail);
            assertThat(body.get("sourceTopic").asText()).isEqualTo("stabilis.explanations");
            assertThat(body.get("partition").asInt()).isZero();
            assertThat(body.get("offset").asLong()).isZero();
            assertThat(body.get("timestamp").asLong()).isEqualTo(ExplanationJson.T0);
            assertThat(Base64.getDecoder().decode(body.get("originalBase64").asText())).isEqualTo(original);
            assertThat(detect.alerts()).isEmpty();
        }
    }

    @ParameterizedTest
    @CsvSource({"requestId", "index", "model", "version", "eventTime", "predicted"})
    void aRecordWithoutAnIdentifyingFieldIsMalformed(String field) {
        try (DetectHarness detect = new DetectHarness()) {
            detect.send(ExplanationJson.sample("r1").uncertified().attackSucceeded().without(field));

            assertThat(detect.deadLetters()).singleElement().satisfies(letter ->
                    assertThat(DetectHarness.json(letter.value()).get("detail").asText())
                            .isEqualTo("missing required field '" + field + "'"));
            assertThat(detect.alerts()).isEmpty();
        }
    }
}
