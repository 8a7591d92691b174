package dev.stabilis.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a harness times one operation: warmup runs, then timed runs, each phase lasting at least a number of runs
 * and a number of seconds; the figures are medians, minimum, maximum and samples/s. {@link #single} is the budget
 * for calls too slow to repeat: no warmup, one timed run.
 *
 * @param warmup minimum warmup runs
 * @param warmupSeconds minimum warmup time
 * @param iterations minimum timed runs
 * @param minSeconds minimum timed time
 */
record Timings(int warmup, double warmupSeconds, int iterations, double minSeconds) {

    /** Reads {@code warmup}, {@code warmup-seconds}, {@code iters} and {@code min-seconds} with the given defaults. */
    static Timings from(Map<String, String> opts, Timings defaults) {
        return new Timings(Integer.parseInt(opts.getOrDefault("warmup", String.valueOf(defaults.warmup))),
                Double.parseDouble(opts.getOrDefault("warmup-seconds", String.valueOf(defaults.warmupSeconds))),
                Integer.parseInt(opts.getOrDefault("iters", String.valueOf(defaults.iterations))),
                Double.parseDouble(opts.getOrDefault("min-seconds", String.valueOf(defaults.minSeconds))));
    }

    /** No warmup, one timed run. */
    static Timings single() {
        return new Timings(0, 0, 1, 0);
    }

    /** Warms up, then times {@code once}; {@code samples} is what one run processes (for samples/s). */
    Map<String, Object> time(int samples, Runnable once) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) {
            once.run();
        }
        List<Long> ns = new ArrayList<>();
        long end = System.nanoTime() + (long) (minSeconds * 1e9);
        while (ns.size() < iterations || System.nanoTime() < end) {
            long s = System.nanoTime();
            once.run();
            ns.add(System.nanoTime() - s);
        }
        return stats(samples, ns);
    }

    /** Median, minimum, maximum (ms) and samples/s of run times in nanoseconds. */
    static Map<String, Object> stats(int samples, List<Long> times) {
        long[] ns = times.stream().mapToLong(Long::longValue).toArray();
        long[] sorted = ns.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
        long total = Arrays.stream(ns).sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iterations", ns.length);
        m.put("medianMs", median / 1e6);
        m.put("minMs", sorted[0] / 1e6);
        m.put("maxMs", sorted[sorted.length - 1] / 1e6);
        m.put("samplesPerSecMedian", samples / (median / 1e9));
        m.put("samplesPerSecMean", (double) samples * ns.length / (total / 1e9));
        m.put("samplesPerSecBest", samples / (sorted[0] / 1e9));
        return m;
    }
}
