package dev.stabilis.detect;

import dev.stabilis.certify.Certificates;
import dev.stabilis.contract.Alert.MovedFeature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;

/**
 * How a window's ranking of features by mean |attribution| compares with a baseline's: nDCG@k of the window's top k
 * with the baseline's values as relevance (SageMaker Clarify's attribution-drift score: 1 when the window ranks the
 * baseline's top k in the baseline's order, lower as important features drop out or swap), Kendall's τ_b of both
 * vectors over the union of the two top-k sets, and the features of that union whose rank changed. Ranks are over
 * every feature, largest value first, ties to the lower index ({@link Certificates#topK}).
 *
 * @param ndcg in [0, 1]; 1 when the baseline carries no weight at all
 * @param kendallTau τ_b, or null when undefined (a constant vector over the union)
 * @param moved largest rank change first, then by baseline rank
 * @param windowTop the window's top k, largest first
 */
record RankingDrift(double ndcg, Double kendallTau, List<MovedFeature> moved, int[] windowTop) {

    /**
     * @param baseline the baseline's mean |attribution| per feature
     * @param window the window's, of the same length
     * @param k at most the number of features
     * @param names a feature's name by index
     */
    static RankingDrift between(double[] baseline, double[] window, int k, IntFunction<String> names) {
        if (baseline.length != window.length) {
            throw new IllegalArgumentException("baseline has " + baseline.length + " features, the window " + window.length);
        }
        int[] baselineOrder = Certificates.topK(baseline, baseline.length);
        int[] windowOrder = Certificates.topK(window, window.length);
        int top = Math.min(k, baseline.length);
        double ideal = 0;
        double actual = 0;
        for (int i = 0; i < top; i++) {
            double discount = Math.log(i + 2) / Math.log(2);
            ideal += baseline[baselineOrder[i]] / discount;
            actual += baseline[windowOrder[i]] / discount;
        }
        double ndcg = ideal > 0 ? actual / ideal : 1;

        Set<Integer> union = new LinkedHashSet<>();
        for (int i = 0; i < top; i++) {
            union.add(baselineOrder[i]);
            union.add(windowOrder[i]);
        }
        double[] b = union.stream().mapToDouble(f -> baseline[f]).toArray();
        double[] w = union.stream().mapToDouble(f -> window[f]).toArray();
        double tau = b.length < 2 ? Double.NaN : new KendallsCorrelation().correlation(b, w);

        int[] baselineRank = ranks(baselineOrder);
        int[] windowRank = ranks(windowOrder);
        List<MovedFeature> moved = new ArrayList<>();
        for (int f : union) {
            if (baselineRank[f] != windowRank[f]) {
                moved.add(new MovedFeature(f, names.apply(f), baselineRank[f], windowRank[f], baseline[f], window[f]));
            }
        }
        moved.sort(Comparator.comparingInt((MovedFeature m) -> -Math.abs(m.rank() - m.baselineRank()))
                .thenComparingInt(MovedFeature::baselineRank));
        return new RankingDrift(ndcg, Double.isNaN(tau) ? null : tau, List.copyOf(moved), java.util.Arrays.copyOf(windowOrder, top));
    }

    /** Whether the window drifts: nDCG or τ below its threshold (an undefined τ never does). */
    boolean drifts(DriftConfig config) {
        return ndcg < config.ndcgThreshold() || kendallTau != null && kendallTau < config.kendallThreshold();
    }

    /** 1-based rank of every feature, from an order of all features. */
    private static int[] ranks(int[] order) {
        int[] rank = new int[order.length];
        for (int place = 0; place < order.length; place++) {
            rank[order[place]] = place + 1;
        }
        return rank;
    }
}
