package dev.stabilis.service;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The per-sample time budget of one model version's analyses (policy {@code sampling.budgetMs}), so that a busy or
 * slow model cannot make the runner fall behind its partitions. A batch of {@code n} samples may spend
 * {@code n × budgetMs}; the attributions always run (without them the record says nothing), and each later analysis
 * (certificate, attack, curvature) runs only when the time already spent plus its expected cost fits what is left.
 *
 * <p>An analysis's expected cost per row is an exponentially weighted average of its measured cost in earlier
 * batches (none before it first ran). While an analysis is skipped its estimate decays by {@link #DECAY} per batch,
 * so it is tried again once in a while and a model that became cheaper (or a machine that became quieter) gets its
 * full analysis back. Not thread-safe: one runner thread evaluates a model's batches.
 */
final class AnalysisBudget {

    /** Weight of the newest measurement in the moving average of an analysis's cost. */
    static final double WEIGHT = 0.3;

    /** Factor applied to a skipped analysis's expected cost, so that it is retried after some batches. */
    static final double DECAY = 0.8;

    private final double budgetNanosPerRow;
    private final LongSupplier clock;
    private final Map<String, Double> expectedNanosPerRow = new HashMap<>();

    /**
     * @param budgetMs per-sample budget in milliseconds; 0 for none
     * @param clock nanosecond clock
     */
    AnalysisBudget(double budgetMs, LongSupplier clock) {
        this.budgetNanosPerRow = budgetMs > 0 ? budgetMs * 1e6 : Double.POSITIVE_INFINITY;
        this.clock = clock;
    }

    /** Starts timing a batch of {@code rows} samples, before its attributions. */
    Batch start(int rows) {
        return new Batch(rows, clock.getAsLong());
    }

    /** The budget of one batch: asks before each analysis whether it fits, and learns what each one cost. */
    final class Batch {

        private final int rows;
        private final long start;

        private Batch(int rows, long start) {
            this.rows = rows;
            this.start = start;
        }

        /**
         * Runs {@code analysis} when its expected cost fits the batch's remaining budget and returns its result, or
         * adds its name to {@code skipped}, lets its expected cost decay and returns null when it does not.
         */
        <T> T runIfAffordable(String analysis, Supplier<T> work, List<String> skipped) {
            long before = clock.getAsLong();
            Double expected = expectedNanosPerRow.get(analysis);
            double projected = before - start + (expected == null ? 0 : expected * rows);
            if (projected > budgetNanosPerRow * rows) {
                expectedNanosPerRow.computeIfPresent(analysis, (k, v) -> v * DECAY);
                skipped.add(analysis);
                return null;
            }
            T result = work.get();
            double measured = (double) (clock.getAsLong() - before) / rows;
            expectedNanosPerRow.merge(analysis, measured, (old, now) -> (1 - WEIGHT) * old + WEIGHT * now);
            return result;
        }
    }
}
