package dev.stabilis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The objects of one `helm template`, parsed. */
final class Rendered {

    static final YAMLMapper YAML = new YAMLMapper();

    final String manifest;
    final List<JsonNode> objects;

    Rendered(String manifest) {
        this.manifest = manifest;
        List<JsonNode> parsed = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(manifest)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    parsed.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rendered manifest is not YAML:\n" + manifest, e);
        }
        this.objects = List.copyOf(parsed);
    }

    List<JsonNode> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    JsonNode one(String kind, String name) {
        List<JsonNode> found = all(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText())).toList();
        assertThat(found).as("%s %s in\n%s", kind, name, kindsAndNames()).hasSize(1);
        return found.get(0);
    }

    List<String> kindsAndNames() {
        return objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).toList();
    }

    /** The pod template of a Deployment or StatefulSet. */
    static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    static JsonNode container(JsonNode workload, String name) {
        for (JsonNode c : podSpec(workload).path("containers")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no container " + name + " in " + workload.path("metadata").path("name").asText());
    }

    /** A container's environment by name (value, or the valueFrom node as text). */
    static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        for (JsonNode e : container.path("env")) {
            env.put(e.path("name").asText(), e);
        }
        return env;
    }

    static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        fields.forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        return labels;
    }

    /** The stabilis.properties of the main ConfigMap. */
    Properties properties(String configMapName) {
        Properties props = new Properties();
        try {
            props.load(new StringReader(one("ConfigMap", configMapName).path("data").path("stabilis.properties").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }
}
