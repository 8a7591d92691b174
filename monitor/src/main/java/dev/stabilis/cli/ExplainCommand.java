package dev.stabilis.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.ingest.InferencePayload;
import dev.stabilis.model.LoadedModel;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stabilis explain}: recomputes attributions for the samples of a payload and prints them as JSON. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Compute feature attributions for the samples in a payload (Open Inference Protocol V2, "
                + "KServe V1 instances, or {\"features\": [...]}).")
final class ExplainCommand implements Callable<Integer> {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    private ModelInputOptions source;

    @Option(names = "--method", defaultValue = "saliency",
            description = "saliency, gradxinput, ig or smoothgrad (default: ${DEFAULT-VALUE}).")
    private String method;

    @Option(names = "--target", paramLabel = "<class>", description = "Class to explain (default: the predicted class).")
    private Integer target;

    @Option(names = "--steps", paramLabel = "N", description = "Integrated Gradients steps (default: the policy's, else 32).")
    private Integer steps;

    @Override
    public Integer call() throws IOException {
        if (steps != null && steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        InferencePayload payload = source.payload();
        try (LoadedModel loaded = source.loadModel()) {
            payload.requireFeatures(loaded.inputSize());
            Attributor attributor = new Attributor(loaded.model(), loaded.explainer(method, steps), loaded.targetKind(),
                    Attributor.DEFAULT_MAX_ROWS_PER_PASS);
            int[] targets = target == null ? null : payload.rows().stream().mapToInt(r -> target).toArray();
            List<Explanation> explanations = attributor.explain(payload.rows().toArray(float[][]::new), targets);
            ObjectNode root = JsonOutput.document(payload, loaded);
            ArrayNode results = (ArrayNode) root.get("results");
            for (int i = 0; i < explanations.size(); i++) {
                Explanation e = explanations.get(i);
                ObjectNode r = results.addObject();
                r.put("index", i);
                r.put("predicted", e.predicted());
                r.put("target", e.target());
                JsonOutput.put(r.putArray("logits"), e.logits());
                r.put("method", attributor.method());
                JsonOutput.put(r.putArray("attribution"), e.attribution());
                if (!Double.isNaN(e.completenessGap())) {
                    r.put("completenessGap", e.completenessGap());
                    r.put("scoreDelta", e.scoreDelta());
                }
            }
            JsonOutput.print(spec.commandLine().getOut(), root);
        }
        return ExitCodes.OK;
    }
}
