package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.Scalars;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CertificatesTest {

    private static NDManager manager;
    private static Scalars constants;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
        constants = new Scalars(manager, DataType.FLOAT64);
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    private static final double[] LOGITS_LO = {2, 0};
    private static final double[] LOGITS_HI = {3, 1};

    @Test
    void topKBreaksTiesByTheLowerIndex() {
        assertThat(Certificates.topK(new double[] {1, -3, 3, 0.5}, 2)).containsExactly(1, 2);
        assertThat(Certificates.topK(new double[] {2, 2, 2}, 2)).containsExactly(0, 1);
    }

    @Test
    void pointBoundsCertifyEverythingWithAStrictGap() {
        double[] g = {4, -3, 1, 0.5};
        Certificate c = certify(g, g, g, 2, LOGITS_LO, LOGITS_HI, 0);
        assertThat(c.topk()).isTrue();
        assertThat(c.topkOverlap()).isEqualTo(2);
        assertThat(c.signStable()).isEqualTo(1.0);
        assertThat(c.maxDeviationLinf()).isZero();
        assertThat(c.maxDeviationL2()).isZero();
        assertThat(c.cosineLower()).isCloseTo(1.0, within(1e-12));
        assertThat(c.prediction()).as("logit 0 is at least 2, logit 1 at most 1").isTrue();
        assertThat(certify(g, g, g, 2, new double[] {2, 0}, new double[] {3, 2.5}, 0).prediction()).isFalse();
    }

    @Test
    void aTieAtTheKthPlaceIsNeverCertified() {
        double[] g = {4, 2, 2};
        assertThat(certify(g, g, g, 2, LOGITS_LO, LOGITS_HI, 0).topk()).isFalse();
    }

    @Test
    void overlappingMagnitudesBreakTheSetButKeepTheSafeMembers() {
        double[] g = {5, 3, 2.9, 0.1};
        double[] lo = {4.5, 2.5, 2.4, -0.2};
        double[] hi = {5.5, 3.5, 3.4, 0.2};
        Certificate c = certify(g, lo, hi, 2, new double[] {2.1, 0}, new double[] {3, 2}, 0);
        assertThat(c.topk()).as("feature 2 can overtake feature 1").isFalse();
        assertThat(c.topkOverlap()).as("feature 0 always stays").isEqualTo(1);
        assertThat(c.signStable()).isEqualTo(0.75);
        assertThat(c.maxDeviationLinf()).isCloseTo(0.5, within(1e-12));
        assertThat(c.maxDeviationL2()).isCloseTo(Math.sqrt(0.25 * 3 + 0.09), within(1e-12));
        assertThat(c.prediction()).isTrue();
    }

    @Test
    void overlapWeighsEveryFeatureThatCanOvertakeWhereverItSits() {
        double[] g = {0.1, 5, 0.2, 0.3, 4, 0.4, 0.2, 0.1, 0.3, 3.8};
        double[] lo = new double[g.length];
        double[] hi = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            double d = i == g.length - 1 ? 0.6 : 0.1;
            lo[i] = g[i] - d;
            hi[i] = g[i] + d;
        }
        Certificate c = certify(g, lo, hi, 2, LOGITS_LO, LOGITS_HI, 0);
        assertThat(c.topk()).as("the last feature can reach 4.4, above feature 4's least 3.9").isFalse();
        assertThat(c.topkOverlap()).as("feature 1 (at least 4.9) stays; feature 4 can be overtaken by the last").isEqualTo(1);
    }

    @Test
    void cosineLowerBoundIsAttainedByTheWorstCorner() {
        double[] g = {1, 0};
        double[] lo = {1, -1};
        double[] hi = {1, 1};
        // the worst point (1, ±1) has cosine 1/√2
        assertThat(certify(g, lo, hi, 1, LOGITS_LO, LOGITS_HI, 0).cosineLower()).isCloseTo(1 / Math.sqrt(2), within(1e-12));
    }

    @Test
    void theBatchAgreesWithThePerSampleDefinitionOnTiesAndFullSets() {
        // magnitudes from a small grid of dyadic values: ties at the k-th place in |g| and in the bounds' largest
        // magnitudes (the (k+1)-th equal to the k-th), zero ends, straddles and points; sums are then exact in any
        // order, so every field must be equal, for every k up to the number of features
        double[] grid = {-2, -1, -0.5, -0.0, 0, 0.5, 1, 2};
        double[] widths = {0, 0, 0.5, 1};
        SplittableRandom random = new SplittableRandom(18);
        int rows = 400;
        int features = 6;
        double[][][] batch = new double[5][rows][];
        long[] predicted = new long[rows];
        for (int r = 0; r < rows; r++) {
            double[] g = new double[features];
            double[] lo = new double[features];
            double[] hi = new double[features];
            for (int i = 0; i < features; i++) {
                g[i] = grid[random.nextInt(grid.length)];
                lo[i] = g[i] - widths[random.nextInt(widths.length)];
                hi[i] = g[i] + widths[random.nextInt(widths.length)];
            }
            double[] logitLo = {grid[random.nextInt(grid.length)], grid[random.nextInt(grid.length)], 0};
            double[] logitHi = {logitLo[0] + widths[random.nextInt(widths.length)], logitLo[1] + 1, 0.5};
            batch[0][r] = g;
            batch[1][r] = lo;
            batch[2][r] = hi;
            batch[3][r] = logitLo;
            batch[4][r] = logitHi;
            predicted[r] = random.nextInt(3);
        }
        for (int k = 1; k <= features; k++) {
            Certificate[] certificates = batch(batch, predicted, k);
            for (int r = 0; r < rows; r++) {
                assertThat(certificates[r]).as("k %d, row %d", k, r).isEqualTo(PerSampleCertificates.of(batch[0][r],
                        batch[1][r], batch[2][r], k, batch[3][r], batch[4][r], (int) predicted[r]));
            }
        }
    }

    @Test
    void theBatchAgreesWithThePerSampleDefinitionOnContinuousBounds() {
        // sums may round differently in another order: the discrete certificates and the maximum agree exactly,
        // the L2 deviation and the cosine bound to 1e-12
        SplittableRandom random = new SplittableRandom(7);
        int rows = 200;
        int features = 64;
        double[][][] batch = new double[5][rows][];
        long[] predicted = new long[rows];
        for (int r = 0; r < rows; r++) {
            double[] g = random.doubles(features, -1, 1).toArray();
            double[] lo = new double[features];
            double[] hi = new double[features];
            for (int i = 0; i < features; i++) {
                lo[i] = g[i] - random.nextDouble(0.05);
                hi[i] = g[i] + random.nextDouble(0.05);
            }
            batch[0][r] = g;
            batch[1][r] = lo;
            batch[2][r] = hi;
            batch[3][r] = random.doubles(10, 0, 1).toArray();
            batch[4][r] = random.doubles(10, 1, 2).toArray();
            predicted[r] = random.nextInt(10);
            batch[3][r][(int) predicted[r]] = 1.5 + random.nextDouble();
        }
        for (int k : new int[] {1, 5, 63, 64}) {
            Certificate[] certificates = batch(batch, predicted, k);
            for (int r = 0; r < rows; r++) {
                Certificate c = certificates[r];
                Certificate expected = PerSampleCertificates.of(batch[0][r], batch[1][r], batch[2][r], k, batch[3][r],
                        batch[4][r], (int) predicted[r]);
                String where = "k " + k + ", row " + r;
                assertThat(c.topk()).as(where).isEqualTo(expected.topk());
                assertThat(c.topkOverlap()).as(where).isEqualTo(expected.topkOverlap());
                assertThat(c.signStable()).as(where).isEqualTo(expected.signStable());
                assertThat(c.maxDeviationLinf()).as(where).isEqualTo(expected.maxDeviationLinf());
                assertThat(c.prediction()).as(where).isEqualTo(expected.prediction());
                assertThat(c.maxDeviationL2()).as(where).isCloseTo(expected.maxDeviationL2(), within(1e-12));
                assertThat(c.cosineLower()).as(where).isCloseTo(expected.cosineLower(), within(1e-12));
            }
        }
    }

    @Test
    void theBatchTopKSetIsTheHostsIncludingTies() {
        double[][] rows = {{1, -3, 3, 0.5}, {2, 2, 2, 2}, {0, 0, 1, 0}, {-1, 1, -1, 1}};
        for (int k = 1; k <= 4; k++) {
            boolean[] inside = Certificates.TopK.of(manager.create(rows), k).inside().toBooleanArray();
            for (int r = 0; r < rows.length; r++) {
                boolean[] expected = new boolean[4];
                for (int i : Certificates.topK(rows[r], k)) {
                    expected[i] = true;
                }
                assertThat(java.util.Arrays.copyOfRange(inside, 4 * r, 4 * r + 4)).as("k %d, row %d", k, r).containsExactly(expected);
            }
        }
        assertThatThrownBy(() -> Certificates.TopK.of(manager.create(rows), 5)).hasMessageContaining("k must be in [1, 4], got 5");
    }

    /** One sample's certificates through the batch path. */
    private static Certificate certify(double[] g, double[] lo, double[] hi, int k, double[] logitLo, double[] logitHi,
            int predicted) {
        return batch(new double[][][] {{g}, {lo}, {hi}, {logitLo}, {logitHi}}, new long[] {predicted}, k)[0];
    }

    /** Certificates of rows: {@code batch} holds gradients, their lower and upper bounds, logit lower and upper bounds. */
    private static Certificate[] batch(double[][][] batch, long[] predicted, int k) {
        try (NDManager rows = manager.newSubManager()) {
            IntervalBounds bounds = new IntervalBounds(rows.create(batch[1]), rows.create(batch[2]), rows.create(batch[3]),
                    rows.create(batch[4]));
            return Certificates.of(rows.create(batch[0]), bounds, rows.create(predicted), k, constants);
        }
    }
}
