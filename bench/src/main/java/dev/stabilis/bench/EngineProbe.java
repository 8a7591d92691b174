package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Diagnostic, not part of the headline numbers: the cost of the individual DJL/PyTorch operations the engine
 * issues for the digits MLP (per-op JNI + allocation overhead vs. arithmetic), at the saliency batch
 * ({@code [256, ·]}) and the IG-32 path batch ({@code [8192, ·]}). Median µs per op over many repeats.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp ... dev.stabilis.bench.EngineProbe}
 */
public final class EngineProbe {

    private EngineProbe() {}

    public static void main(String[] args) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        try (NDManager base = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            SplittableRandom r = new SplittableRandom(1);
            NDArray w1t = rand(base, r, 0, 64, 128);
            NDArray w2 = rand(base, r, 0, 128, 128);
            NDArray b = rand(base, r, 0, 128);
            for (int n : new int[] {256, 8192}) {
                float[] host = new float[n * 64];
                NDArray x = rand(base, r, 0, n, 64);
                NDArray h = rand(base, r, 0.5f, n, 128);
                NDArray g = rand(base, r, 0, n, 128);
                Map<String, Double> row = new LinkedHashMap<>();
                row.put("create [n,64] from float[]", probe(() -> base.create(host, new Shape(n, 64))));
                row.put("matMul [n,64]x[64,128]", probe(() -> x.matMul(w1t)));
                row.put("matMul [n,128]x[128,128]", probe(() -> h.matMul(w2)));
                row.put("add bias (new array)", probe(() -> h.add(b)));
                row.put("relu", probe(() -> Activation.relu(h)));
                row.put("relu' as engine: g.mul(z.gt(0).toType(F32))",
                        probe(() -> g.mul(h.gt(0).toType(DataType.FLOAT32, false))));
                row.put("  of which z.gt(0)", probe(() -> h.gt(0)));
                row.put("  of which bool.toType(F32)", probeWith(() -> h.gt(0), z -> z.toType(DataType.FLOAT32, false)));
                row.put("  of which mul", probe(() -> g.mul(h)));
                NDArray a = Activation.relu(h);
                row.put("relu' alternative: g.mul(a.sign()), a = relu(z)", probe(() -> g.mul(a.sign())));
                row.put("toFloatArray [n,128]", probe(() -> h.toFloatArray()));
                row.put("argMax(1) [n,128]", probe(() -> h.argMax(1)));
                out.put("n=" + n, row);
            }
        }
        out.forEach((k, v) -> {
            System.out.println(k + " (median µs per op)");
            v.forEach((op, us) -> System.out.printf("  %-48s %10.1f%n", op, us));
        });
    }

    private static NDArray rand(NDManager m, SplittableRandom r, float shift, long... shape) {
        int size = (int) new Shape(shape).size();
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) r.nextDouble() - shift;
        }
        return m.create(v, new Shape(shape));
    }

    /**
     * Median µs of {@code op} on persistent inputs over 500 repeats after 100 unmeasured; each repeat's new arrays are
     * closed by an NDScope.
     */
    static double probe(Supplier<Object> op) {
        return probeWith(() -> null, ignored -> op.get());
    }

    /** As {@link #probe}, with an untimed setup step inside the scope whose result the timed op receives. */
    private static double probeWith(Supplier<NDArray> setup, Function<NDArray, Object> op) {
        int warm = 100;
        int reps = 500;
        long[] ns = new long[reps];
        for (int i = 0; i < warm + reps; i++) {
            try (NDScope scope = new NDScope()) {
                NDArray in = setup.get();
                long s = System.nanoTime();
                op.apply(in);
                long t = System.nanoTime() - s;
                if (i >= warm) {
                    ns[i - warm] = t;
                }
            }
        }
        Arrays.sort(ns);
        return ns[reps / 2] / 1e3;
    }
}
