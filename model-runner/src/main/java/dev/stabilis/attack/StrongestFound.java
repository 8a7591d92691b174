package dev.stabilis.attack;

import java.util.Arrays;

/**
 * Per sample of a batch, the strongest feasible point an attack has evaluated so far (class kept; fewest top-k
 * features kept, then the largest relative L2 change), and the largest explanation change over every point.
 */
final class StrongestFound {

    private final AttackMethod method;
    private final int size;
    private final int k;
    private final long[] predicted;
    private final double[][] reference;
    private final float[][] bestPoint;
    private final double[][] bestAttribution;
    private final double[] bestIntersection;
    private final double[] bestRelativeL2;
    private final boolean[] classKept;
    private final int[] stepsUsed;
    private final double[] largestLinf;
    private final double[] largestL2;

    StrongestFound(AttackMethod method, float[] samples, long[] predicted, double[] attributions, int k) {
        this.method = method;
        this.predicted = predicted;
        int n = predicted.length;
        this.size = samples.length / n;
        this.k = k;
        this.reference = new double[n][];
        this.bestPoint = new float[n][];
        this.bestAttribution = new double[n][];
        this.bestIntersection = new double[n];
        this.bestRelativeL2 = new double[n];
        this.classKept = new boolean[n];
        this.stepsUsed = new int[n];
        this.largestLinf = new double[n];
        this.largestL2 = new double[n];
        for (int r = 0; r < n; r++) {
            reference[r] = Arrays.copyOfRange(attributions, r * size, (r + 1) * size);
            bestPoint[r] = Arrays.copyOfRange(samples, r * size, (r + 1) * size);
            bestAttribution[r] = reference[r];
            bestIntersection[r] = 1;
        }
    }

    /** Whether every sample has lost all of its top-k features, so no stronger point exists. */
    boolean done() {
        for (double intersection : bestIntersection) {
            if (intersection > 0) {
                return false;
            }
        }
        return true;
    }

    /** Records one evaluated point per sample: its predicted class and explanation. */
    void record(float[] points, long[] classes, double[] attributions) {
        for (int r = 0; r < predicted.length; r++) {
            if (bestIntersection[r] == 0) {
                continue;
            }
            stepsUsed[r]++;
            double[] g = Arrays.copyOfRange(attributions, r * size, (r + 1) * size);
            trackLargestChange(r, g);
            if (classes[r] != predicted[r]) {
                continue;
            }
            classKept[r] = true;
            double intersection = StabilityMetrics.topkIntersection(reference[r], g, k);
            double relativeL2 = StabilityMetrics.relativeL2(reference[r], g);
            if (intersection < bestIntersection[r] || intersection == bestIntersection[r] && relativeL2 > bestRelativeL2[r]) {
                bestIntersection[r] = intersection;
                bestRelativeL2[r] = relativeL2;
                bestPoint[r] = Arrays.copyOfRange(points, r * size, (r + 1) * size);
                bestAttribution[r] = g;
            }
        }
    }

    private void trackLargestChange(int r, double[] g) {
        double linf = 0;
        double l2 = 0;
        for (int i = 0; i < size; i++) {
            double d = Math.abs(g[i] - reference[r][i]);
            linf = Math.max(linf, d);
            l2 += d * d;
        }
        largestLinf[r] = Math.max(largestLinf[r], linf);
        largestL2[r] = Math.max(largestL2[r], Math.sqrt(l2));
    }

    AttackResult result(int r) {
        StabilityMetrics metrics = StabilityMetrics.between(reference[r], bestAttribution[r], k);
        return new AttackResult(method, (int) predicted[r], bestPoint[r], (int) predicted[r], reference[r], bestAttribution[r],
                metrics, metrics.topkIntersection() < 1, classKept[r], stepsUsed[r], largestLinf[r], largestL2[r]);
    }
}
