package dev.stabilis.attribution;

import dev.stabilis.graph.Graph;

/**
 * How many model rows (samples × path points) one attribution pass may hold, so that a pass of a large model stays
 * within a memory budget: a pass keeps every value of the graph for its backward pass and builds an adjoint of each,
 * so a row costs about {@link #bytesPerRow} = 2 × 4 bytes × (the elements per sample of the input and of every node's
 * output, from the graph's value shapes). It is an estimate of what the engine keeps, not a measurement: fused or
 * in-place operators take less, workspace of convolutions more.
 */
public final class PassSize {

    /** Bytes of a float32 value. */
    private static final long FLOAT_BYTES = 4;

    /** Each value is held once by the forward pass and once more as its adjoint in the backward pass. */
    private static final long COPIES = 2;

    private PassSize() {}

    /** Estimated bytes one row of a pass takes: every value of the graph, forward and adjoint, in float32. */
    public static long bytesPerRow(Graph graph) {
        return Math.multiplyExact(graph.valuesPerSample(), FLOAT_BYTES * COPIES);
    }

    /**
     * The most rows a pass of this graph may hold under {@code budgetBytes}: at least 1 (one row is needed whatever it
     * costs), at most {@link Attributor#DEFAULT_MAX_ROWS_PER_PASS}.
     *
     * @throws IllegalArgumentException for a budget under one byte
     */
    public static int rowsPerPass(Graph graph, long budgetBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("a pass memory budget must be at least 1 byte, got " + budgetBytes);
        }
        return (int) Math.max(1, Math.min(Attributor.DEFAULT_MAX_ROWS_PER_PASS, budgetBytes / bytesPerRow(graph)));
    }
}
