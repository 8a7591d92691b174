package dev.stabilis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** What a harness records about its process and machine, its command line, and its random input rows. */
final class ProcessFigures {

    private ProcessFigures() {}

    /** The engine's thread settings and preloaded libraries as the JVM was started with them. */
    static Map<String, Object> threadInfo() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads", "(unset: engine default)"));
        t.put("ai.djl.pytorch.num_interop_threads",
                System.getProperty("ai.djl.pytorch.num_interop_threads", "(unset: engine default)"));
        t.put("OMP_NUM_THREADS", String.valueOf(System.getenv("OMP_NUM_THREADS")));
        t.put("OMP_WAIT_POLICY", String.valueOf(System.getenv("OMP_WAIT_POLICY")));
        t.put("LD_PRELOAD", String.valueOf(System.getenv("LD_PRELOAD"))); // the MKL shim, as under ./stabilis
        t.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        return t;
    }

    /** The whole line of /proc/loadavg. */
    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    /** VmRSS / VmHWM from /proc/self/status (kB), plus the Java heap in use. */
    static Map<String, Object> memory() {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
                    String[] parts = line.split("\\s+");
                    m.put(parts[0].replace(":", "") + "_kB", Long.parseLong(parts[1]));
                }
            }
        } catch (IOException e) {
            m.put("error", e.getMessage());
        }
        Runtime rt = Runtime.getRuntime();
        m.put("javaHeapUsed_kB", (rt.totalMemory() - rt.freeMemory()) / 1024);
        m.put("javaHeapCommitted_kB", rt.totalMemory() / 1024);
        return m;
    }

    /** {@code n} rows of {@code features} values uniform in [0, 1). */
    static float[][] randomRows(int n, int features, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] rows = new float[n][features];
        for (float[] row : rows) {
            for (int j = 0; j < features; j++) {
                row[j] = (float) random.nextDouble();
            }
        }
        return rows;
    }

    /** {@code --name value} pairs. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (!a.startsWith("--") || i + 1 >= rest.size()) {
                throw new IllegalArgumentException("expected --name value pairs, got " + rest);
            }
            opts.put(a.substring(2), rest.get(++i));
        }
        return opts;
    }
}
