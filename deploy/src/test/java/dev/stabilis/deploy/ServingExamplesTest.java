package dev.stabilis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.ingest.IngestFilters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The serving-stack examples fit together: the KServe logger points at the KafkaSink, the sink writes the topic the
 * chart's values read, the Broker alternative forwards exactly the event types the ingest reads, the Seldon values
 * select Seldon's topic names, and the Strimzi user's ACLs cover every topic, group and transactional id the chart's
 * default configuration uses. The values render through the chart (values.schema.json); KubernetesSchemaTest
 * validates what they render.
 */
class ServingExamplesTest {

    private static final Path KSERVE = Repo.EXAMPLES.resolve("kserve");

    @Test
    void theKserveLoggerReachesTheTopicTheMonitorReads() throws IOException {
        JsonNode sink = only(KSERVE.resolve("kafka-sink.yaml"), "KafkaSink");
        JsonNode service = only(KSERVE.resolve("inferenceservice.yaml"), "InferenceService");
        String sinkPath = "/" + sink.path("metadata").path("namespace").asText() + "/" + sink.path("metadata").path("name").asText();
        assertThat(service.path("spec").path("predictor").path("logger").path("url").asText())
                .isEqualTo("http://kafka-sink-ingress.knative-eventing.svc.cluster.local" + sinkPath);
        assertThat(service.path("spec").path("predictor").path("logger").path("mode").asText()).isEqualTo("all");
        assertThat(sink.path("spec").path("contentMode").asText()).as("the ingest reads binary-mode CloudEvents").isEqualTo("binary");

        Properties properties = Charts.template(KSERVE.resolve("kserve-values.yaml")).properties("stabilis");
        assertThat(properties.getProperty("stabilis.topics.requests")).isEqualTo(sink.path("spec").path("topic").asText());
        assertThat(properties.getProperty("stabilis.ingest.models").split(",")).contains(service.path("metadata").path("name").asText());
        assertThat(IngestFilters.from(properties).versions()).containsEntry("digits/default", "1");
    }

    @Test
    void theBrokerAlternativeForwardsExactlyTheEventTypesTheIngestReads() throws IOException {
        List<JsonNode> triggers = all(KSERVE.resolve("broker.yaml"), "Trigger");
        JsonNode sink = only(KSERVE.resolve("kafka-sink.yaml"), "KafkaSink");
        Set<String> types = new TreeSet<>();
        for (JsonNode trigger : triggers) {
            types.add(trigger.path("spec").path("filter").path("attributes").path("type").asText());
            assertThat(trigger.path("spec").path("subscriber").path("ref").path("name").asText()).isEqualTo(sink.path("metadata").path("name").asText());
            assertThat(trigger.path("spec").path("broker").asText()).isEqualTo(only(KSERVE.resolve("broker.yaml"), "Broker").path("metadata").path("name").asText());
        }
        assertThat(types).isEqualTo(IngestFilters.defaults().eventTypes());
    }

    @Test
    void theSeldonValuesSelectSeldonsModelTopics() {
        Properties properties = Charts.template(Repo.EXAMPLES.resolve("seldon-values.yaml")).properties("stabilis");
        String pattern = properties.getProperty("stabilis.ingest.seldon.topic.pattern");
        assertThat("seldon.seldon-mesh.model.iris.inputs").matches(pattern);
        assertThat("seldon.seldon-mesh.model.iris.outputs").matches(pattern);
        assertThat("seldon.seldon-mesh.pipeline.p1.inputs").doesNotMatch(pattern);
    }

    @Test
    void theStrimziUserMayDoExactlyWhatTheDefaultDeploymentDoes() throws IOException {
        Path file = Repo.EXAMPLES.resolve("strimzi/topics-and-user.yaml");
        Properties properties = Charts.template().properties("stabilis");
        Set<String> topics = new TreeSet<>();
        for (String key : List.of("requests", "responses", "samples", "explanations", "alerts", "dlq")) {
            topics.add(properties.getProperty("stabilis.topics." + key));
        }
        assertThat(all(file, "KafkaTopic")).extracting(t -> t.path("metadata").path("name").asText()).containsExactlyInAnyOrderElementsOf(topics);
        List<JsonNode> acls = new ArrayList<>();
        only(file, "KafkaUser").path("spec").path("authorization").path("acls").forEach(acls::add);
        String application = properties.getProperty("stabilis.monitor.application.id");
        String runners = properties.getProperty("stabilis.runner.group.id");
        for (String topic : topics) {
            assertThat(allows(acls, "topic", topic)).as("ACL for topic %s", topic).isTrue();
        }
        for (String internal : List.of(application + "-ingest-requests-by-id-repartition", application + "-detect-detect-baseline-windows-changelog")) {
            assertThat(allows(acls, "topic", internal)).as("ACL for Streams' internal topic %s", internal).isTrue();
        }
        for (String group : List.of(application + "-ingest", application + "-detect", application + "-dlq-meter", runners)) {
            assertThat(allows(acls, "group", group)).as("ACL for group %s", group).isTrue();
        }
        for (String transactionalId : List.of(runners + ".stabilis-runner-0", application + "-ingest-0b1c-1")) {
            assertThat(allows(acls, "transactionalId", transactionalId)).as("ACL for transactional id %s", transactionalId).isTrue();
        }
    }

    private static boolean allows(List<JsonNode> acls, String type, String name) {
        return acls.stream().map(a -> a.path("resource")).anyMatch(r -> r.path("type").asText().equals(type)
                && (r.path("patternType").asText().equals("prefix") ? name.startsWith(r.path("name").asText())
                        : name.equals(r.path("name").asText())));
    }

    private static JsonNode only(Path file, String kind) throws IOException {
        List<JsonNode> found = all(file, kind);
        assertThat(found).as("%s in %s", kind, file).hasSize(1);
        return found.get(0);
    }

    private static List<JsonNode> all(Path file, String kind) throws IOException {
        return new Rendered(Files.readString(file)).all(kind);
    }
}
