package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.graph.Graph;
import dev.stabilis.onnx.OnnxImporter;
import java.nio.file.Path;

/**
 * Diagnostic, not a headline number: every native operator of a few gradient-bound calls on a digits fixture, as
 * libtorch's own profiler records them (through DJL), with their input shapes. The calls run on the first rows of
 * the digits CSV in one call each ({@link BoundsTiming#call}), after a second of warm-up calls, on the engine's
 * intra-op threads ({@code JAVA_OPTS=-Dai.djl.pytorch.num_threads=1} for one); the profiler writes a Chrome trace that
 * {@code bench/operator_profile.py} sums by operator and shapes. The profiler adds a few microseconds to every operator, so small operators read
 * slower than they run; the large ones (products over whole coefficient arrays) read true.
 *
 * <p>{@code bench/java.sh OperatorProfile <fixture> <interval|linear> <rows> <ε> <calls> <trace.json>}
 */
public final class OperatorProfile {

    private OperatorProfile() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: OperatorProfile <fixture> <interval|linear> <rows> <epsilon> <calls> <trace.json>");
        }
        double epsilon = Double.parseDouble(args[3]);
        int calls = Integer.parseInt(args[4]);
        float[][] digits = DigitsRows.read(Path.of("tools/fixtures/data/digits.csv.gz"), Integer.parseInt(args[2]));
        double[] flat = DigitsRows.flat(digits, 0, digits.length);
        Graph graph = OnnxImporter.read(Path.of("model-runner/src/test/resources/fixtures", args[0], "model.onnx"));
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu(), args[1], 0)) {
            long warm = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < warm) {
                BoundsTiming.call(bounds, flat, epsilon);
            }
            JniUtils.startProfile(false, true, false);
            long start = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                BoundsTiming.call(bounds, flat, epsilon);
            }
            double ms = (System.nanoTime() - start) / 1e6 / calls;
            JniUtils.stopProfile(args[5]);
            System.out.printf("%s, %s, %d rows, ε %s: %d profiled calls, %.1f ms each with the profiler on%n", args[0],
                    args[1], digits.length, args[3], calls, ms);
        }
    }
}
