package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.contract.ContractSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the pipeline wrote for a {@link PipelineTraffic}, read back from the sample, explanation, dead-letter and alert
 * topics with a {@code read_committed} consumer, and the exactly-once checks on it: every valid request has exactly
 * one sample (ingest) and one explanation (runner) and no dead letter, every malformed one exactly one dead letter
 * with its reason and nothing else, every injected unstable sample is named by exactly one alert (detect), no stable
 * sample by any, and no alert id repeats.
 *
 * @param samples the sample records, in the order read
 * @param explanations the explanation records
 * @param deadLetters the dead-letter records
 * @param alerts the alert records
 */
record PipelineLedger(List<JsonNode> samples, List<JsonNode> explanations, List<JsonNode> deadLetters, List<JsonNode> alerts) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The topics to read. */
    record Topics(String samples, String explanations, String deadLetters, String alerts) {

        /** The topics a Stabilis configuration names. */
        static Topics of(dev.stabilis.config.StabilisConfig config) {
            return new Topics(config.required("stabilis.topics.samples"), config.required("stabilis.topics.explanations"),
                    config.required("stabilis.topics.dlq"), config.required("stabilis.topics.alerts"));
        }
    }

    /**
     * Reads the topics ({@code read_committed}) until the traffic's counts are reached (an explanation per valid
     * request, a dead letter per malformed one, an alert naming each injected unstable sample), then {@code settle}
     * more to catch duplicates; gives up after {@code timeout} with what it has.
     */
    static PipelineLedger read(Map<String, ?> kafka, Topics topics, PipelineTraffic traffic, Duration settle, Duration timeout) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("group.id", "ledger-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        props.put("isolation.level", "read_committed");
        Map<String, List<JsonNode>> seen = new HashMap<>();
        for (String t : List.of(topics.samples(), topics.explanations(), topics.deadLetters(), topics.alerts())) {
            seen.put(t, new ArrayList<>());
        }
        List<String> unstableEvidence = traffic.unstable().stream().map(id -> id + "#0").toList();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.copyOf(seen.keySet()));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.get(r.topic()).add(json(r.value()));
                }
                if (settleUntil == Long.MAX_VALUE && seen.get(topics.explanations()).size() >= traffic.valid().size()
                        && seen.get(topics.deadLetters()).size() >= traffic.malformed().size()
                        && namedByAlerts(seen.get(topics.alerts())).containsAll(unstableEvidence)) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return new PipelineLedger(seen.get(topics.samples()), seen.get(topics.explanations()), seen.get(topics.deadLetters()),
                seen.get(topics.alerts()));
    }

    /** Asserts exactly one outcome per request and exactly one alert per injected unstable sample. */
    void assertExactlyOnce(PipelineTraffic traffic) {
        List<String> sampled = samples.stream().map(n -> n.path("requestId").asText()).toList();
        assertThat(sampled).as("one sample per valid request, none for those ingest rejects; repeated: %s", repeated(samples))
                .containsExactlyInAnyOrderElementsOf(traffic.sampled());
        List<String> explained = explanations.stream().map(n -> n.path("requestId").asText()).toList();
        assertThat(explained).as("one explanation per valid request, none for malformed ones; repeated: %s", repeated(explanations))
                .containsExactlyInAnyOrderElementsOf(traffic.valid());

        List<String> dead = deadLetters.stream().map(n -> n.path("requestId").asText()).toList();
        assertThat(dead).as("one dead letter per malformed request, none for valid ones")
                .containsExactlyInAnyOrderElementsOf(traffic.malformed().keySet());
        Map<String, String> reasons = deadLetters.stream()
                .collect(Collectors.toMap(n -> n.path("requestId").asText(), n -> n.path("reason").asText()));
        assertThat(reasons).as("dead-letter reasons").isEqualTo(traffic.malformed());

        List<String> alertIds = alerts.stream().map(a -> a.path("alertId").asText()).toList();
        assertThat(alertIds).as("alert ids").doesNotHaveDuplicates();
        Map<String, Long> evidence = namedByAlerts(alerts).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        for (String id : traffic.unstable()) {
            assertThat(evidence.get(id + "#0")).as("alerts naming %s in %s", id, alerts).isEqualTo(1L);
        }
        for (String id : traffic.stable()) {
            assertThat(evidence).as("no alert for stable traffic").doesNotContainKey(id + "#0");
        }
        assertThat(alerts).allSatisfy(a -> assertThat(a.path("kind").asText()).isEqualTo("SAMPLE_UNSTABLE"));
    }

    /**
     * Asserts that every sample of a request whose response was logged carries the served class: the join lost none,
     * not even while a restarted monitor replayed its backlog.
     */
    void assertServedClassesKept() {
        List<String> withoutServedClass = samples.stream().filter(s -> s.path("servedClass").isNull())
                .map(s -> s.path("requestId").asText()).toList();
        assertThat(withoutServedClass).as("samples whose request's response was sent but not joined").isEmpty();
    }

    /**
     * Asserts that every record read conforms to its published schema ({@code schemas/}), and that the schemas are no
     * formality: one mutated record of each kind fails.
     */
    void assertContracts() {
        ContractSchemas.SAMPLE.assertValid(samples);
        ContractSchemas.EXPLANATION.assertValid(explanations);
        ContractSchemas.DEAD_LETTER.assertValid(deadLetters);
        ContractSchemas.ALERT.assertValid(alerts);
        assertThat(ContractSchemas.SAMPLE.violations(((ObjectNode) samples.get(0).deepCopy()).put("features", "[0.5]"))).isNotEmpty();
        assertThat(ContractSchemas.EXPLANATION.violations(((ObjectNode) explanations.get(0).deepCopy()).without("predicted"))).isNotEmpty();
        assertThat(ContractSchemas.DEAD_LETTER.violations(((ObjectNode) deadLetters.get(0).deepCopy()).put("reason", "bad reason")))
                .isNotEmpty();
        assertThat(ContractSchemas.ALERT.violations(((ObjectNode) alerts.get(0).deepCopy()).put("severity", "info"))).isNotEmpty();
    }

    /** One line with the counts, for the test's log. */
    String summary() {
        long evidence = alerts.stream().mapToLong(a -> a.path("evidence").size()).sum();
        return String.format("%d samples, %d explanations, %d dead letters, %d alerts naming %d samples", samples.size(),
                explanations.size(), deadLetters.size(), alerts.size(), evidence);
    }

    /** The records whose request id occurs more than once, for the failure message. */
    private static List<JsonNode> repeated(List<JsonNode> records) {
        Map<String, Long> counts = records.stream().collect(Collectors.groupingBy(n -> n.path("requestId").asText(), Collectors.counting()));
        return records.stream().filter(n -> counts.get(n.path("requestId").asText()) > 1).map(PipelineLedger::withoutBulk).toList();
    }

    private static JsonNode withoutBulk(JsonNode record) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = record.deepCopy();
        copy.remove(List.of("features", "servedOutput", "attributions", "topFeatures", "certificate"));
        return copy;
    }

    private static JsonNode json(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sample ids the alerts name as evidence, once per naming. */
    private static List<String> namedByAlerts(List<JsonNode> alerts) {
        return alerts.stream().flatMap(a -> texts(a.path("evidence")).stream()).toList();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
