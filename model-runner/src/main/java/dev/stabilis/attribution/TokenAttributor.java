package dev.stabilis.attribution;

import dev.stabilis.graph.EmbeddingLookup;
import java.util.ArrayList;
import java.util.List;

/**
 * Explains a model that takes token ids, whose graph starts at the embedding lookup's output.
 *
 * <p>The ids are not differentiable, so each sample's ids are first embedded ({@link EmbeddingLookup#embed}) and the
 * attribution method runs on the embedded vectors, the lookup's (ONNX Gather's) output {@code [tokens, dimension]}: a
 * gradient, gradient×input or Integrated Gradients path lives in embedding space (IG's default baseline is the zero
 * embedding, and its completeness gap is the embedding-space one). A token's attribution is then the sum of its row
 * over the embedding axis ({@link EmbeddingLookup#perToken}), as Captum's layer attributions on an embedding are
 * summed; the per-token values therefore sum to the embedding-space total, so IG's completeness carries over.
 */
public final class TokenAttributor {

    private final EmbeddingLookup lookup;
    private final Attributor attributor;

    /**
     * @param attributor runs the method on the model whose input is the lookup's output
     */
    public TokenAttributor(EmbeddingLookup lookup, Attributor attributor) {
        this.lookup = lookup;
        this.attributor = attributor;
    }

    /**
     * One sample's explanation.
     *
     * @param embedded the explanation in embedding space ({@code tokens × dimension} attributions, row-major)
     * @param perToken one attribution per token, the sum of its row of {@code embedded}
     */
    public record TokenExplanation(Explanation embedded, float[] perToken) {}

    /**
     * Explains every sample.
     *
     * @param ids each sample's token ids, whole numbers held as floats
     * @param targets the class to explain per sample, or null to explain the predicted class
     * @throws IllegalArgumentException naming the sample, for a wrong number of ids or an id outside the vocabulary
     */
    public List<TokenExplanation> explain(float[][] ids, int[] targets) {
        return explainEmbedded(embed(ids), targets);
    }

    /**
     * Each sample's embedding ({@link EmbeddingLookup#embed}), to check ids before explaining them.
     *
     * @throws IllegalArgumentException naming the sample, for a wrong number of ids or an id outside the vocabulary
     */
    public float[][] embed(float[][] ids) {
        return lookup.embedAll(ids);
    }

    /**
     * Explains samples already embedded by {@link #embed}.
     *
     * @param targets the class to explain per sample, or null to explain the predicted class
     */
    public List<TokenExplanation> explainEmbedded(float[][] embedded, int[] targets) {
        List<TokenExplanation> out = new ArrayList<>(embedded.length);
        for (Explanation explanation : attributor.explain(embedded, targets)) {
            out.add(new TokenExplanation(explanation, lookup.perToken(explanation.attribution())));
        }
        return out;
    }
}
