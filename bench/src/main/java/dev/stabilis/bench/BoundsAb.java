package dev.stabilis.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Gradient bounds of two builds side by side in one JVM (bench/bounds-ab.sh): each build's model-runner classes and
 * its copy of {@code BoundsTiming} in a class loader of its own over one DJL, the interval method and the method under
 * test timed in alternating order, round after round; medians per model and ε. Nothing here names a model-runner
 * type, so this class can live beside the DJL libraries alone.
 *
 * <p>Arguments: rounds, method, α steps, then for each side (before, after) its root and classes directory.
 */
public final class BoundsAb {

    private BoundsAb() {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        String method = args[1];
        int alphaSteps = Integer.parseInt(args[2]);
        Method[] run = new Method[2];
        Object[][] side = new Object[2][2];
        String[] models = null;
        double[] epsilons = null;
        int rowsPerCall = 0;
        for (int v = 0; v < 2; v++) {
            String root = args[3 + 2 * v];
            URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(args[4 + 2 * v]).toUri().toURL()}, BoundsAb.class.getClassLoader());
            Class<?> timing = loader.loadClass("dev.stabilis.bench.BoundsTiming");
            side[v][0] = timing.getConstructor(String.class, String.class, int.class).newInstance(root, "interval", 0);
            side[v][1] = timing.getConstructor(String.class, String.class, int.class).newInstance(root, method, alphaSteps);
            run[v] = timing.getMethod("run");
            models = (String[]) timing.getField("MODELS").get(null);
            epsilons = (double[]) timing.getField("EPSILONS").get(null);
            rowsPerCall = timing.getField("ROWS_PER_CALL").getInt(null);
        }
        int cells = models.length * epsilons.length;
        double[][][] millis = new double[4][cells][rounds]; // [side · 2 + method][cell][round]
        for (int r = 0; r < rounds; r++) {
            int[] order = r % 2 == 0 ? new int[] {0, 1, 2, 3} : new int[] {3, 2, 1, 0};
            for (int o : order) {
                double[] t = (double[]) run[o / 2].invoke(side[o / 2][o % 2]);
                for (int c = 0; c < cells; c++) {
                    millis[o][c][r] = t[c];
                }
            }
        }
        System.out.printf("Rounds: %d; method: %s, α steps %d; ms for 128 rows in %d-row calls, median of the rounds.%n%n", rounds, method,
                alphaSteps, rowsPerCall);
        System.out.println("| model | ε | interval, before / after | " + method + ", before | " + method + ", after | after / before | "
                + "cost / interval, before | cost / interval, after |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int c = 0; c < cells; c++) {
            double ib = median(millis[0][c]);
            double mb = median(millis[1][c]);
            double ia = median(millis[2][c]);
            double ma = median(millis[3][c]);
            System.out.printf("| %s | %s | %.1f / %.1f ms | %.1f ms | %.1f ms | %.2f | %.1f× | %.1f× |%n", models[c / epsilons.length],
                    epsilons[c % epsilons.length], ib, ia, mb, ma, ma / mb, mb / ib, ma / ia);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
