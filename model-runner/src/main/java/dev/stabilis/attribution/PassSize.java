package dev.stabilis.attribution;

import dev.stabilis.graph.Graph;

/**
 * How many model rows (samples × path points) one attribution pass may hold, so that a pass of a large model stays
 * within a memory budget. A pass keeps every value of the graph for its backward pass and an adjoint of each; each
 * kernel's temporaries are freed once its node's output or its inputs' adjoints are made
 * ({@link dev.stabilis.engine.ScopedStep}), so a row costs about {@link #bytesPerRow} = {@value #ARRAYS_PER_VALUE} ×
 * 4 bytes × (the elements per sample of the input and of every node's output, from the graph's value shapes). The
 * factor is measured: a saliency pass of the ResNet-18 fixture peaks at 0.83 MiB per row above the process's resident
 * set between 256 and 512 rows, 1.8 float32 arrays per value ({@code bench/pass-memory.sh}, BENCHMARKS.md); other
 * graphs keep other temporaries.
 */
public final class PassSize {

    /** Bytes of a float32 value. */
    private static final long FLOAT_BYTES = 4;

    /** float32 arrays of each value's size that a pass holds at its peak: measured 1.8, with a margin. */
    private static final long ARRAYS_PER_VALUE = 3;

    private PassSize() {}

    /** Estimated bytes one row of a pass takes at its peak. */
    public static long bytesPerRow(Graph graph) {
        return Math.multiplyExact(graph.valuesPerSample(), FLOAT_BYTES * ARRAYS_PER_VALUE);
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
