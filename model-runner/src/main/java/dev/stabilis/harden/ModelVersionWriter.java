package dev.stabilis.harden;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.stabilis.graph.Graph;
import dev.stabilis.model.ModelLoader;
import dev.stabilis.model.PolicyReader;
import dev.stabilis.onnx.OnnxExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a trained network as a model repository version: {@code model.onnx} (the project's exporter) and a
 * {@code stabilis.yaml} policy with the classes, the input domain, and certification and attack settings at the
 * box hardening trained for. The policy is read back through the schema before the call returns.
 */
public final class ModelVersionWriter {

    private ModelVersionWriter() {}

    /**
     * @param directory the version directory (created; it must not hold a model already)
     * @param graph the network on raw features
     * @param classNames one name per class
     * @param domain the input domain
     * @param epsilon box half-width as a fraction of each feature's range; written as the certification ε when
     *     every feature has the same range (the policy's ε is one value in raw units), left to the default otherwise
     * @param k size of the top-k set
     * @param comment a first line for the policy (what produced it)
     */
    public static void write(Path directory, Graph graph, List<String> classNames, UnitScaling domain, double epsilon, int k,
            String comment) {
        Path model = directory.resolve("model.onnx");
        Path policy = directory.resolve(ModelLoader.POLICY_FILE);
        requireFree(directory);
        try {
            Files.createDirectories(directory);
            OnnxExporter.write(graph, model);
            String yaml = "# " + comment.replace('\n', ' ') + "\n" + mapper().writeValueAsString(policy(classNames, domain, epsilon, k));
            Files.writeString(policy, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(directory + ": cannot write the model version: " + e.getMessage(), e);
        }
        PolicyReader.read(policy);
    }

    /** Fails when {@code directory} already holds a model (call it before training to fail early). */
    public static void requireFree(Path directory) {
        if (Files.exists(directory.resolve("model.onnx")) || Files.exists(directory.resolve("model.pt"))) {
            throw new IllegalArgumentException(directory + " already holds a model; write a new version directory");
        }
    }

    private static ObjectNode policy(List<String> classNames, UnitScaling domain, double epsilon, int k) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode classes = root.putArray("classes");
        classNames.forEach(classes::add);
        ObjectNode range = root.putObject("domain");
        if (domain.shared()) {
            range.put("min", domain.min()[0]);
            range.put("max", domain.max()[0]);
        } else {
            ArrayNode min = range.putArray("min");
            ArrayNode max = range.putArray("max");
            for (int i = 0; i < domain.features(); i++) {
                min.add(domain.min()[i]);
                max.add(domain.max()[i]);
            }
        }
        ObjectNode certification = root.putObject("certification");
        if (domain.shared()) {
            certification.put("epsilon", epsilon * domain.range(0));
        }
        certification.put("k", k);
        root.putObject("attack").put("method", "topk");
        return root;
    }

    private static YAMLMapper mapper() {
        YAMLMapper mapper = new YAMLMapper();
        mapper.disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER);
        return mapper;
    }
}
