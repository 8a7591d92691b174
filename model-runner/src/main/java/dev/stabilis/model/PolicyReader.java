package dev.stabilis.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.smoothing.SmoothingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;

/** Reads {@code stabilis.yaml} and validates it against the policy schema; errors name the file and key. */
public final class PolicyReader {

    /** Policies larger than this are refused before parsing. */
    public static final long MAX_POLICY_BYTES = 1 << 20;

    private static final JsonSchema SCHEMA = loadSchema();
    private static final YAMLMapper YAML = yamlMapper();

    private PolicyReader() {}

    private static JsonSchema loadSchema() {
        try (InputStream in = PolicyReader.class.getResourceAsStream("stabilis-policy.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new IllegalStateException("policy schema missing from the class path", e);
        }
    }

    private static YAMLMapper yamlMapper() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit((int) MAX_POLICY_BYTES);
        options.setMaxAliasesForCollections(20);
        YAMLFactory factory = YAMLFactory.builder().loaderOptions(options)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build();
        return new YAMLMapper(factory);
    }

    /** Reads and validates a policy file. */
    public static ModelPolicy read(Path file) {
        try {
            if (Files.size(file) > MAX_POLICY_BYTES) {
                throw new PolicyException(file + ": policy file is larger than " + MAX_POLICY_BYTES + " bytes");
            }
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new PolicyException(file + ": cannot read policy: " + e.getMessage(), e);
        }
    }

    /**
     * Parses and validates policy text.
     *
     * @param source names the policy in error messages
     */
    public static ModelPolicy parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new PolicyException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return ModelPolicy.DEFAULT;
        }
        Set<ValidationMessage> errors = SCHEMA.validate(root);
        if (!errors.isEmpty()) {
            throw new PolicyException(source + ": " + errors.stream().map(ValidationMessage::getMessage).sorted()
                    .collect(Collectors.joining("; ")));
        }
        return toPolicy(root, source);
    }

    private static ModelPolicy toPolicy(JsonNode root, String source) {
        JsonNode input = root.path("input");
        long[] shape = input.has("shape") ? longs(input.get("shape")) : null;
        double[] min = root.path("domain").has("min") ? doubles(root.path("domain").get("min")) : new double[0];
        double[] max = root.path("domain").has("max") ? doubles(root.path("domain").get("max")) : new double[0];
        if (min.length != max.length && min.length != 1 && max.length != 1) {
            throw new PolicyException(source + ": domain.min has " + min.length + " values but domain.max has " + max.length);
        }
        for (int i = 0; i < Math.max(min.length, max.length); i++) {
            double lo = min[min.length == 1 ? 0 : i];
            double hi = max[max.length == 1 ? 0 : i];
            if (!(lo < hi)) {
                throw new PolicyException(source + ": domain.min must be below domain.max (feature " + i + ": " + lo + " >= " + hi + ")");
            }
        }
        ModelPolicy.Attribution d = ModelPolicy.Attribution.DEFAULT;
        JsonNode a = root.path("attribution");
        JsonNode ig = a.path("integratedGradients");
        JsonNode sg = a.path("smoothGrad");
        List<String> methods = a.has("methods") ? strings(a.get("methods")) : d.methods();
        ModelPolicy.Attribution attribution = new ModelPolicy.Attribution(methods,
                a.path("target").asText(d.target()),
                ig.path("steps").asInt(d.igSteps()),
                ig.path("baseline").isArray() ? doubles(ig.get("baseline")) : null,
                ig.path("tolerance").asDouble(d.igTolerance()),
                ig.has("maxSteps") ? ig.get("maxSteps").asInt() : null,
                sg.path("samples").asInt(d.smoothGradSamples()),
                sg.path("sigma").asDouble(d.smoothGradSigma()),
                sg.path("seed").asLong(d.smoothGradSeed()));
        if (attribution.igMaxSteps(attribution.igSteps()) < attribution.igSteps()) {
            throw new PolicyException(source + ": attribution.integratedGradients.maxSteps (" + attribution.igMaxSteps()
                    + ") is below attribution.integratedGradients.steps (" + attribution.igSteps() + ")");
        }
        return new ModelPolicy(shape, input.path("embedding").asText(null), strings(root.path("features").path("names")),
                strings(root.path("classes")), min, max, attribution, certification(root.path("certification")), attack(root.path("attack")),
                new ModelPolicy.Output(root.path("output").path("name").asText(null),
                        root.path("output").path("explain").asText(ModelPolicy.Output.DEFAULT.explain())),
                new ModelPolicy.Sampling(root.path("sampling").path("fraction").asDouble(ModelPolicy.Sampling.DEFAULT.fraction()),
                        root.path("sampling").path("budgetMs").asDouble(ModelPolicy.Sampling.DEFAULT.budgetMs())));
    }

    private static ModelPolicy.Certification certification(JsonNode c) {
        ModelPolicy.Certification d = ModelPolicy.Certification.DEFAULT;
        boolean split = c.path("tightening").asText("none").equals("split");
        Splitting splitting = new Splitting(split ? c.path("splitLeaves").asInt(ModelPolicy.Certification.DEFAULT_SPLIT_LEAVES) : 1,
                c.path("splitBudgetMs").asDouble(d.splitting().budgetMs()));
        return new ModelPolicy.Certification(
                c.path("method").asText(null),
                c.path("epsilon").asDouble(d.epsilon()),
                c.path("k").asInt(d.k()),
                c.path("target").asText(d.target()),
                c.path("parameterGamma").asDouble(d.parameterGamma()),
                splitting,
                c.path("radius").path("max").asDouble(d.radiusMax()),
                c.path("radius").path("steps").asInt(d.radiusSteps()),
                c.path("linear").path("alphaSteps").asInt(d.alphaSteps()),
                smoothing(c.path("smoothing")));
    }

    private static ModelPolicy.Smoothing smoothing(JsonNode s) {
        ModelPolicy.Smoothing d = ModelPolicy.Smoothing.DEFAULT;
        return new ModelPolicy.Smoothing(
                s.path("noise").asText(d.noise()),
                s.path("scale").asDouble(d.scale()),
                s.path("samples").asInt(d.samples()),
                s.path("alpha").asDouble(d.alpha()),
                s.path("radius").asDouble(d.radius()),
                clipNorm(s.path("clipNorm"), d.clipNorm()),
                s.path("seed").asLong(d.seed()),
                s.path("rowBudget").asInt(d.rowBudget()));
    }

    /** A number, or {@code unit} (the schema admits nothing else). */
    private static double clipNorm(JsonNode value, double absent) {
        if (value.isMissingNode()) {
            return absent;
        }
        return value.isNumber() ? value.asDouble() : SmoothingSettings.UNIT_NORM;
    }

    private static ModelPolicy.Attack attack(JsonNode a) {
        ModelPolicy.Attack d = ModelPolicy.Attack.DEFAULT;
        JsonNode thickness = a.path("thickness");
        return new ModelPolicy.Attack(
                a.path("method").asText(d.method()),
                a.path("epsilon").asDouble(d.epsilon()),
                a.path("k").asInt(d.k()),
                a.path("steps").asInt(d.steps()),
                a.path("stepSize").asDouble(d.stepSize()),
                a.path("restarts").asInt(d.restarts()),
                a.path("seed").asLong(d.seed()),
                a.path("beta").asDouble(d.beta()),
                thickness.path("endPoints").asInt(d.thicknessEndPoints()),
                thickness.path("nodes").asInt(d.thicknessNodes()));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    private static double[] doubles(JsonNode node) {
        if (!node.isArray()) {
            return new double[] {node.asDouble()};
        }
        double[] out = new double[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asDouble();
        }
        return out;
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
