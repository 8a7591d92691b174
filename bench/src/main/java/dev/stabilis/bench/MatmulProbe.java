package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Diagnostic: GFLOP/s of libtorch's matrix products (MKL) at the shapes the engine multiplies, timed as
 * {@link EngineProbe} times an operation (the median of 500 after 100 unmeasured): float64 as the bound passes (the digits
 * MLP's layers at 256 and 4096 rows, the 784-wide MLP's first layer, the linear method's back-substitution of 128
 * rows × 256 specifications through a 128 → 64 layer), float32 as the attributions (256 rows, and IG-32's 8,192).
 * {@code bench/mkl-ab.sh} runs it with and without the MKL shim.
 *
 * <p>Run: {@code bench/java.sh MatmulProbe --out result.json}
 */
public final class MatmulProbe {

    private static final long[][] FLOAT64 = {{256, 64, 128}, {256, 128, 128}, {4096, 128, 128}, {256, 784, 512}, {32768, 128, 64}};
    private static final long[][] FLOAT32 = {{256, 64, 128}, {256, 128, 128}, {8192, 128, 128}};

    private MatmulProbe() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = HarnessOptions.parse(args);
        Map<String, Object> gflops = new LinkedHashMap<>();
        try (NDManager base = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (long[] s : FLOAT64) {
                gflops.put(name(DataType.FLOAT64, s), probe(base, DataType.FLOAT64, s));
            }
            for (long[] s : FLOAT32) {
                gflops.put(name(DataType.FLOAT32, s), probe(base, DataType.FLOAT32, s));
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("gflops", gflops);
        result.put("threads", ProcessFigures.threadInfo());
        result.put("loadavg", ProcessFigures.loadavg());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path out = Path.of(opts.getOrDefault("out", "bench/results/matmul.json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writeValue(out.toFile(), result);
        System.out.println(json.writeValueAsString(result));
    }

    private static String name(DataType type, long[] s) {
        return String.format("%s [%d,%d]x[%d,%d]", type == DataType.FLOAT64 ? "float64" : "float32", s[0], s[1], s[1], s[2]);
    }

    /** GFLOP/s of {@code [m, k] × [k, n]}, from the median time of the products ({@link EngineProbe#probe}). */
    private static double probe(NDManager base, DataType type, long[] s) {
        try (NDManager m = base.newSubManager()) {
            NDArray a = m.randomUniform(-1, 1, new Shape(s[0], s[1])).toType(type, false);
            NDArray b = m.randomUniform(-1, 1, new Shape(s[1], s[2])).toType(type, false);
            return 2.0 * s[0] * s[1] * s[2] / (EngineProbe.probe(() -> a.matMul(b)) * 1e3);
        }
    }
}
