package dev.stabilis.smoothing;

import org.apache.commons.statistics.distribution.BetaDistribution;

/**
 * One-sided Clopper–Pearson bounds on a binomial proportion: with x successes in n trials, the lower bound is
 * the α quantile of Beta(x, n − x + 1) (0 when x = 0) and the upper bound the 1 − α quantile of Beta(x + 1, n − x)
 * (1 when x = n), so that P(lower &gt; p) ≤ α and P(upper &lt; p) ≤ α for every true p (Clopper and Pearson 1934).
 *
 * <p>At x = n the lower bound is α^{1/n} and at x = 0 the upper bound 1 − α^{1/n} (Beta(n, 1) has distribution
 * function tⁿ): those closed forms are used, being the commonest counts. Other quantiles come from Commons
 * Statistics' Beta distribution (its root finder's error, |F(q) − α| / f(q), stayed under 1e-14 for n up to 10⁵
 * and α down to 1e-12) and are widened outward by {@value #ACCURACY}.
 */
final class ClopperPearson {

    static final double ACCURACY = 1e-12;

    private ClopperPearson() {}

    /** A lower bound on p that exceeds it with probability at most {@code alpha}. */
    static double lower(int successes, int trials, double alpha) {
        check(successes, trials, alpha);
        if (successes == 0) {
            return 0;
        }
        if (successes == trials) {
            return Math.nextDown(Math.pow(alpha, 1.0 / trials)); // Math.pow is within 1 ulp
        }
        double q = BetaDistribution.of(successes, trials - successes + 1).inverseCumulativeProbability(alpha);
        return Math.max(0, q - ACCURACY);
    }

    /** An upper bound on p that falls below it with probability at most {@code alpha}. */
    static double upper(int successes, int trials, double alpha) {
        return 1 - lower(trials - successes, trials, alpha);
    }

    private static void check(int successes, int trials, double alpha) {
        if (trials < 1 || successes < 0 || successes > trials) {
            throw new IllegalArgumentException(successes + " successes in " + trials + " trials");
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
    }
}
