package dev.stabilis.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stabilis.contract.Alert.MovedFeature;
import org.junit.jupiter.api.Test;

/**
 * Rankings of features by mean |attribution|: nDCG@k with the baseline's values as relevance, Kendall's τ_b over the
 * union of both top-k sets, and the features whose rank moved.
 */
class RankingDriftTest {

    private static final double LOG2_3 = Math.log(3) / Math.log(2);

    @Test
    void theSameRankingHasNdcgAndTauOneAndNothingMoved() {
        RankingDrift same = RankingDrift.between(new double[] {4, 3, 2, 1}, new double[] {8, 6, 4, 2}, 2, f -> "f" + f);
        assertThat(same.ndcg()).isEqualTo(1.0);
        assertThat(same.kendallTau()).isEqualTo(1.0);
        assertThat(same.moved()).isEmpty();
        assertThat(same.windowTop()).containsExactly(0, 1);
        assertThat(same.drifts(DriftConfig.defaults())).isFalse();
    }

    @Test
    void swappingTheTopTwoCostsTheDiscountOfTheSecondPlace() {
        RankingDrift swapped = RankingDrift.between(new double[] {4, 3, 2, 1}, new double[] {3, 4, 2, 1}, 2, f -> "f" + f);
        assertThat(swapped.ndcg()).as("(3 + 4 / log2 3) / (4 + 3 / log2 3)").isCloseTo((3 + 4 / LOG2_3) / (4 + 3 / LOG2_3), within(1e-12));
        assertThat(swapped.kendallTau()).as("over {f0, f1}: reversed").isEqualTo(-1.0);
        assertThat(swapped.moved()).containsExactly(new MovedFeature(0, "f0", 1, 2, 4, 3), new MovedFeature(1, "f1", 2, 1, 3, 4));
        assertThat(swapped.drifts(DriftConfig.defaults())).as("τ −1 is below 0.2 though nDCG %.3f is above 0.9", swapped.ndcg()).isTrue();
    }

    @Test
    void aFeatureWithoutBaselineWeightEnteringTheTopKDropsNdcg() {
        RankingDrift entered = RankingDrift.between(new double[] {5, 4, 0, 0}, new double[] {5, 0, 4, 0}, 2, f -> "f" + f);
        assertThat(entered.ndcg()).as("5 / (5 + 4 / log2 3)").isCloseTo(5 / (5 + 4 / LOG2_3), within(1e-12));
        assertThat(entered.windowTop()).containsExactly(0, 2);
        assertThat(entered.moved()).extracting(MovedFeature::index, MovedFeature::baselineRank, MovedFeature::rank)
                .as("both moved by one: the baseline's higher first").containsExactly(org.assertj.core.groups.Tuple.tuple(1, 2, 3),
                        org.assertj.core.groups.Tuple.tuple(2, 3, 2));
        assertThat(entered.drifts(DriftConfig.defaults())).isTrue();
    }

    @Test
    void aBaselineWithoutWeightCannotDriftAndTauIsUndefined() {
        RankingDrift flat = RankingDrift.between(new double[] {0, 0, 0}, new double[] {0, 0, 0}, 2, f -> "f" + f);
        assertThat(flat.ndcg()).isEqualTo(1.0);
        assertThat(flat.kendallTau()).isNull();
        assertThat(flat.drifts(DriftConfig.defaults())).isFalse();
    }

    @Test
    void vectorsOfDifferentLengthsAreRefused() {
        assertThatThrownBy(() -> RankingDrift.between(new double[3], new double[4], 2, f -> "f" + f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseline has 3 features, the window 4");
    }
}
