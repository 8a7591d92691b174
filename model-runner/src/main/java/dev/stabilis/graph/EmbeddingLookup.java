package dev.stabilis.graph;

import java.util.Arrays;

/**
 * The embedding lookup in front of a graph whose input is an embedding: a model that takes token ids, each picking a
 * row of a constant table (ONNX Gather on axis 0 of a float table, what {@code nn.Embedding} exports as). The lookup
 * is not differentiable in the ids, so a graph starts at its output: attributions and certified boxes live in
 * embedding space, and a token's attribution is the sum of its row's (as Captum's layer attributions are summed).
 *
 * @param idInput the model input holding the ids
 * @param idShape the ids' shape per sample (the batch axis excluded)
 * @param table {@code [vocabulary, dimension]}
 * @param node the lookup node's name
 * @param output the embedding value's name, the graph's input
 */
public record EmbeddingLookup(String idInput, long[] idShape, HostTensor table, String node, String output) {

    public EmbeddingLookup {
        idShape = idShape.clone();
        if (table.rank() != 2) {
            throw new IllegalArgumentException("an embedding table is [vocabulary, dimension], got " + Arrays.toString(table.shape()));
        }
    }

    @Override
    public long[] idShape() {
        return idShape.clone();
    }

    public int vocabulary() {
        return (int) table.dim(0);
    }

    public int dimension() {
        return (int) table.dim(1);
    }

    /** Ids per sample. */
    public int tokens() {
        return Math.toIntExact(Shapes.size(idShape));
    }

    /** The embedding's shape per sample: the ids' shape and the dimension. */
    public long[] embeddingShape() {
        long[] out = Arrays.copyOf(idShape, idShape.length + 1);
        out[idShape.length] = dimension();
        return out;
    }

    /**
     * The embedding of one sample's ids, flattened row-major ({@link #tokens()} × {@link #dimension()} values). Ids are
     * read as ONNX Gather reads them: in {@code [−vocabulary, vocabulary)}, a negative id counting from the end.
     *
     * @param ids the sample's ids, whole numbers held as floats (exact up to 2²⁴)
     * @throws IllegalArgumentException for a count other than {@link #tokens()}, or an id that is not a whole number in range
     */
    public float[] embed(float[] ids) {
        if (ids.length != tokens()) {
            throw new IllegalArgumentException("a sample has " + ids.length + " token ids, the model takes " + tokens());
        }
        int d = dimension();
        int v = vocabulary();
        float[] out = new float[ids.length * d];
        for (int t = 0; t < ids.length; t++) {
            float id = ids[t];
            if (id != Math.rint(id) || id < -v || id >= v) {
                throw new IllegalArgumentException("token " + t + " has id " + id + ", not a whole number in [" + -v + ", " + v + ")");
            }
            int row = (int) (id < 0 ? id + v : id);
            for (int j = 0; j < d; j++) {
                out[t * d + j] = (float) table.get(row * d + j);
            }
        }
        return out;
    }

    /**
     * The embeddings of several samples' ids ({@link #embed} each).
     *
     * @throws IllegalArgumentException naming the sample, for a wrong number of ids or an id outside the vocabulary
     */
    public float[][] embedAll(float[][] ids) {
        float[][] embedded = new float[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            try {
                embedded[i] = embed(ids[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("sample " + i + ": " + e.getMessage(), e);
            }
        }
        return embedded;
    }

    /** Per-token sums over the embedding axis of one sample's attribution in embedding space. */
    public float[] perToken(float[] attribution) {
        int d = dimension();
        if (attribution.length != tokens() * d) {
            throw new IllegalArgumentException("an attribution of " + attribution.length + " values is not " + tokens() + " × " + d);
        }
        float[] out = new float[tokens()];
        for (int t = 0; t < out.length; t++) {
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += attribution[t * d + j];
            }
            out[t] = (float) sum;
        }
        return out;
    }
}
