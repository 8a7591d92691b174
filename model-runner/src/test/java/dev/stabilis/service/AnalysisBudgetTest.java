package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-sample time budget, on a clock the test moves: what it runs, what it skips, and when it tries again. */
class AnalysisBudgetTest {

    private long now;

    /** An analysis that takes {@code millisPerRow} of the test's clock per row. */
    private String costing(double millisPerRow, int rows) {
        now += (long) (millisPerRow * rows * 1e6);
        return "done";
    }

    @Test
    void withoutABudgetEveryAnalysisRuns() {
        AnalysisBudget budget = new AnalysisBudget(0, () -> now);
        List<String> skipped = new ArrayList<>();
        AnalysisBudget.Batch batch = budget.start(4);
        assertThat(batch.runIfAffordable("certificate", () -> costing(1e6, 4), skipped)).isEqualTo("done");
        assertThat(batch.runIfAffordable("attack", () -> costing(1e6, 4), skipped)).isEqualTo("done");
        assertThat(skipped).isEmpty();
    }

    @Test
    void anAnalysisThatDoesNotFitWhatIsLeftIsSkippedAndNamed() {
        AnalysisBudget budget = new AnalysisBudget(10, () -> now);
        List<String> first = new ArrayList<>();
        AnalysisBudget.Batch one = budget.start(8);
        now += 2_000_000L * 8; // attributions: 2 ms per row
        assertThat(one.runIfAffordable("certificate", () -> costing(5, 8), first)).as("never measured: tried").isEqualTo("done");
        assertThat(one.runIfAffordable("attack", () -> costing(6, 8), first)).as("3 ms per row left, never measured: tried")
                .isEqualTo("done");
        assertThat(first).isEmpty();

        List<String> second = new ArrayList<>();
        AnalysisBudget.Batch two = budget.start(8);
        now += 2_000_000L * 8;
        assertThat(two.runIfAffordable("certificate", () -> costing(5, 8), second)).as("2 + 5 <= 10").isEqualTo("done");
        assertThat(two.runIfAffordable("attack", () -> costing(6, 8), second)).as("7 + 6 > 10").isNull();
        assertThat(second).containsExactly("attack");
    }

    @Test
    void timeAlreadySpentOverTheBudgetSkipsEvenAnAnalysisNeverMeasured() {
        AnalysisBudget budget = new AnalysisBudget(1, () -> now);
        List<String> skipped = new ArrayList<>();
        AnalysisBudget.Batch batch = budget.start(3);
        now += 4_000_000L; // attributions: 1.33 ms per row, over the 1 ms budget
        assertThat(batch.runIfAffordable("certificate", () -> costing(0.1, 3), skipped)).isNull();
        assertThat(skipped).containsExactly("certificate");
    }

    @Test
    void aSkippedAnalysisIsTriedAgainOnceItsExpectedCostHasDecayedAndLearnsItBecameCheaper() {
        AnalysisBudget budget = new AnalysisBudget(10, () -> now);
        budget.start(1).runIfAffordable("attack", () -> costing(20, 1), new ArrayList<>());
        int skippedBatches = 0;
        List<String> skipped = new ArrayList<>();
        while (budget.start(1).runIfAffordable("attack", () -> costing(1, 1), skipped) == null) {
            skippedBatches++;
        }
        // 20 ms decays by 0.8 per skipped batch: 20·0.8^n <= 10 first at n = 4
        assertThat(skippedBatches).isEqualTo(4);
        assertThat(skipped).hasSize(4).containsOnly("attack");
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            budget.start(1).runIfAffordable("attack", () -> costing(1, 1), after);
        }
        assertThat(after).as("cheap again: runs every batch").isEmpty();
    }
}
