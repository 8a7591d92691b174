package dev.stabilis.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.attribution.TokenAttributor;
import dev.stabilis.ingest.InferencePayload;
import dev.stabilis.ingest.PayloadException;
import dev.stabilis.ingest.RejectReason;
import dev.stabilis.model.LoadedModel;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis explain}: recomputes attributions for the samples of a payload and prints them as JSON. For a model
 * that takes token ids, a sample is its ids, and each token's attribution is the sum of its embedding row's
 * ({@code embeddingAttribution} holds the rows).
 */
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
            payload.requireFeatures(loaded.payloadSize());
            Attributor attributor = new Attributor(loaded.model(), loaded.explainer(method, steps), loaded.targetKind(),
                    Attributor.DEFAULT_MAX_ROWS_PER_PASS);
            int[] targets = target == null ? null : payload.rows().stream().mapToInt(r -> target).toArray();
            float[][] rows = payload.rows().toArray(float[][]::new);
            ObjectNode root = JsonOutput.document(payload, loaded);
            ArrayNode results = (ArrayNode) root.get("results");
            if (loaded.embedding().isPresent()) {
                TokenAttributor tokens = new TokenAttributor(loaded.embedding().get(), attributor);
                float[][] embedded;
                try {
                    embedded = tokens.embed(rows);
                } catch (IllegalArgumentException e) {
                    throw new PayloadException(RejectReason.OUT_OF_DOMAIN, e.getMessage());
                }
                for (TokenAttributor.TokenExplanation e : tokens.explainEmbedded(embedded, targets)) {
                    ObjectNode r = result(results, attributor, e.embedded());
                    JsonOutput.put(r.putArray("attribution"), e.perToken());
                    JsonOutput.put(r.putArray("embeddingAttribution"), e.embedded().attribution());
                }
            } else {
                for (Explanation e : attributor.explain(rows, targets)) {
                    JsonOutput.put(result(results, attributor, e).putArray("attribution"), e.attribution());
                }
            }
            JsonOutput.print(spec.commandLine().getOut(), root);
        }
        return ExitCodes.OK;
    }

    /** A sample's result with everything but its attribution. */
    private static ObjectNode result(ArrayNode results, Attributor attributor, Explanation e) {
        ObjectNode r = results.addObject();
        r.put("index", results.size() - 1);
        r.put("predicted", e.predicted());
        r.put("target", e.target());
        JsonOutput.put(r.putArray("logits"), e.logits());
        r.put("method", attributor.method());
        if (!Double.isNaN(e.completenessGap())) {
            r.put("completenessGap", e.completenessGap());
            r.put("scoreDelta", e.scoreDelta());
        }
        return r;
    }
}
