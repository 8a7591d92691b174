package dev.stabilis.service;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Evaluates samples as one batch and, when the batch fails, each sample alone, so that a sample the engine cannot
 * evaluate fails alone and its batch companions are still explained. A batch that fails costs one more evaluation per
 * sample; one that succeeds costs nothing more.
 */
final class IsolatedEvaluation {

    /** One sample's evaluation, or why it failed. */
    record Outcome(Evaluation evaluation, RuntimeException failure) {}

    private IsolatedEvaluation() {}

    /**
     * @param evaluate evaluates a batch of rows, one evaluation per row in order
     * @return one outcome per row, in order
     */
    static List<Outcome> of(float[][] rows, Function<float[][], List<Evaluation>> evaluate) {
        try {
            return evaluate.apply(rows).stream().map(e -> new Outcome(e, null)).toList();
        } catch (RuntimeException batchFailure) {
            if (rows.length == 1) {
                return List.of(new Outcome(null, batchFailure));
            }
            List<Outcome> outcomes = new ArrayList<>(rows.length);
            for (float[] row : rows) {
                try {
                    outcomes.add(new Outcome(evaluate.apply(new float[][] {row}).get(0), null));
                } catch (RuntimeException failure) {
                    outcomes.add(new Outcome(null, failure));
                }
            }
            return outcomes;
        }
    }
}
