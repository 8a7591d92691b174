package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One sample the engine cannot evaluate must not take its batch companions with it. The evaluation here is a stand-in
 * that fails any batch holding a row whose first value is negative, as libtorch fails a whole batch for one bad row.
 */
class IsolatedEvaluationTest {

    private final List<Integer> batchSizes = new ArrayList<>();

    private List<Evaluation> evaluate(float[][] rows) {
        batchSizes.add(rows.length);
        if (Arrays.stream(rows).anyMatch(row -> row[0] < 0)) {
            throw new IllegalStateException("attack iterate left the box: feature 0 = " + Arrays.stream(rows)
                    .filter(row -> row[0] < 0).findFirst().orElseThrow()[0]);
        }
        return Arrays.stream(rows).map(row -> new Evaluation((int) row[0], null, Map.of(), Double.NaN, null, null, null, Double.NaN, null, List.of()))
                .toList();
    }

    @Test
    void aBatchThatEvaluatesIsEvaluatedOnce() {
        List<IsolatedEvaluation.Outcome> outcomes = IsolatedEvaluation.of(new float[][] {{1}, {2}, {3}}, this::evaluate);

        assertThat(outcomes).extracting(o -> o.evaluation().predicted()).containsExactly(1, 2, 3);
        assertThat(batchSizes).containsExactly(3);
    }

    @Test
    void whenTheBatchFailsEachSampleIsEvaluatedAloneAndOnlyTheFailingOnesFail() {
        List<IsolatedEvaluation.Outcome> outcomes = IsolatedEvaluation.of(new float[][] {{1}, {-7}, {3}, {-9}}, this::evaluate);

        assertThat(outcomes).extracting(o -> o.evaluation() == null ? null : o.evaluation().predicted()).containsExactly(1, null, 3, null);
        assertThat(outcomes.get(1).failure()).hasMessageEndingWith("= -7.0");
        assertThat(outcomes.get(3).failure()).hasMessageEndingWith("= -9.0");
        assertThat(batchSizes).containsExactly(4, 1, 1, 1, 1);
    }

    @Test
    void aSingleSampleThatFailsIsNotEvaluatedTwice() {
        List<IsolatedEvaluation.Outcome> outcomes = IsolatedEvaluation.of(new float[][] {{-1}}, this::evaluate);

        assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.failure()).isInstanceOf(IllegalStateException.class));
        assertThat(batchSizes).containsExactly(1);
    }
}
