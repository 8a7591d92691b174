package dev.stabilis.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.AttackSettings;
import dev.stabilis.attack.ExplanationAttack;
import dev.stabilis.attack.Thickness;
import dev.stabilis.ingest.InferencePayload;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelPolicy;
import dev.stabilis.contract.ContractJson;
import dev.stabilis.service.ExplanationRecords;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis attack}: searches each sample's box {@code [x − ε, x + ε]} (clipped to the policy's domain)
 * for the input that changes the gradient explanation most while the predicted class stays, and reports the
 * change in stability metrics.
 */
@Command(name = "attack", mixinStandardHelpOptions = true,
        description = "Manipulate each sample's gradient explanation inside an input box without changing the prediction "
                + "(top-k attack, targeted attack or random noise) and report top-k intersection, Kendall tau, Spearman, "
                + "cosine and relative L2 between the explanations.")
final class AttackCommand implements Callable<Integer> {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    private ModelInputOptions source;

    @Option(names = "--epsilon", paramLabel = "<e>",
            description = "Box half-width in raw feature units (default: the policy's attack or certification ε).")
    private Double epsilon;

    @Option(names = "--method", paramLabel = "topk|targeted|noise", description = "The search (default: the policy's, else topk).")
    private String method;

    @Option(names = "--k", paramLabel = "K", description = "Size of the top-k set (default: the policy's, else 5).")
    private Integer k;

    @Option(names = "--steps", paramLabel = "T", description = "Steps per restart (default: the policy's, else 50).")
    private Integer steps;

    @Option(names = "--restarts", paramLabel = "R", description = "Restarts, the first at the sample (default: the policy's, else 1).")
    private Integer restarts;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of random starts and noise (default: the policy's, else 0).")
    private Long seed;

    @Override
    public Integer call() throws IOException {
        InferencePayload payload = source.payload();
        try (LoadedModel loaded = source.loadModel()) {
            loaded.requireFeatureInput("explanation attacks");
            payload.requireFeatures(loaded.inputSize());
            AttackSettings settings = withOverrides(loaded.attackSettings(method, epsilon, k));
            float[][] rows = payload.rows().toArray(float[][]::new);
            List<AttackResult> results;
            try (ExplanationAttack attack = new ExplanationAttack(loaded.requireGraph(), loaded.model().device(), settings)) {
                results = attack.attack(rows);
            }
            ModelPolicy.Attack policy = loaded.policy().attack();
            double[] thickness = new Thickness(loaded.model(), settings, policy.thicknessEndPoints(), policy.thicknessNodes())
                    .measure(rows);
            print(payload, loaded, settings, results, thickness);
        }
        return ExitCodes.OK;
    }

    private AttackSettings withOverrides(AttackSettings s) {
        return new AttackSettings(s.method(), s.epsilon(), s.k(), s.kind(), steps != null ? steps : s.steps(), s.stepSize(),
                restarts != null ? restarts : s.restarts(), seed != null ? seed : s.seed(), s.beta(), s.domainMin(), s.domainMax());
    }

    private void print(InferencePayload payload, LoadedModel loaded, AttackSettings settings, List<AttackResult> results,
            double[] thickness) throws IOException {
        ObjectNode root = JsonOutput.document(payload, loaded);
        root.put("method", settings.method().label());
        root.put("epsilon", settings.epsilon());
        root.put("k", settings.k());
        root.put("steps", settings.steps());
        root.put("restarts", settings.restarts());
        root.put("stepSize", settings.effectiveStepSize());
        ObjectNode summary = root.putObject("summary");
        summary.put("samples", results.size());
        summary.put("successes", results.stream().filter(AttackResult::success).count());
        summary.put("classNeverKept", results.stream().filter(r -> !r.classKept()).count());
        summary.put("meanTopkIntersection", results.stream().mapToDouble(r -> r.metrics().topkIntersection()).average().orElse(1));
        ArrayNode out = (ArrayNode) root.get("results");
        for (int i = 0; i < results.size(); i++) {
            AttackResult r = results.get(i);
            ObjectNode o = out.addObject();
            o.put("index", i);
            o.put("predicted", r.predicted());
            JsonOutput.put(o.putArray("adversarial"), r.adversarial());
            o.put("adversarialPredicted", r.adversarialPredicted());
            JsonOutput.put(o.putArray("attribution"), r.attribution());
            JsonOutput.put(o.putArray("adversarialAttribution"), r.adversarialAttribution());
            o.set("metrics", ContractJson.tree(ExplanationRecords.metrics(r.metrics())));
            o.put("success", r.success());
            o.put("classKept", r.classKept());
            o.put("stepsUsed", r.stepsUsed());
            ObjectNode change = o.putObject("largestChange");
            change.put("linf", r.largestChangeLinf());
            change.put("l2", r.largestChangeL2());
            o.set("thickness", ContractJson.tree(ExplanationRecords.nullable(thickness[i])));
        }
        JsonOutput.print(spec.commandLine().getOut(), root);
    }
}
