package dev.stabilis.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Certification throughput on CPU through the public API ({@link Certifier#certify}): for one batch of rows,
 * the predicted class, the float64 point gradient, the interval bounds over the box and every certificate.
 * Warmup, then timed iterations; samples/s = batch / median iteration. Also times the certified radius
 * (16-step bisection) per sample. Dumps rows and bounds so the PyTorch reference can check it did the same work.
 *
 * <p>Arguments: {@code model} (ONNX file), {@code batch} (256), {@code epsilon} (0.005), {@code seconds} (timed
 * seconds, 5), {@code out} (result JSON), {@code dump} (rows + bounds JSON).
 */
public final class CertifyBenchmark {

    private CertifyBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path model = Path.of(opts.getOrDefault("model", "model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "256"));
        double epsilon = Double.parseDouble(opts.getOrDefault("epsilon", "0.005"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "5"));
        SplittableRandom random = new SplittableRandom(42);
        float[][] rows = new float[batch][64];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextDouble();
            }
        }
        double[] unitMin = {0};
        double[] unitMax = {1};
        CertifySettings settings = new CertifySettings(epsilon, 5, TargetKind.LOGIT, 0, 1, false, 1, 16, unitMin, unitMax);
        CertifySettings radius = new CertifySettings(epsilon, 5, TargetKind.LOGIT, 0, 1, true, 1, 16, unitMin, unitMax);
        Map<String, Object> result = new LinkedHashMap<>();
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(model), Device.cpu())) {
            Certifier certifier = new Certifier(bounds, settings);
            List<CertifiedSample> last = null;
            long warmupEnd = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < warmupEnd) {
                last = certifier.certify(rows);
            }
            List<Double> times = new ArrayList<>();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end || times.size() < 20) {
                long start = System.nanoTime();
                last = certifier.certify(rows);
                times.add((System.nanoTime() - start) / 1e6);
            }
            double median = median(times);
            result.put("batch", batch);
            result.put("epsilon", epsilon);
            result.put("iterations", times.size());
            result.put("medianMs", median);
            result.put("bestMs", times.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
            result.put("samplesPerSecond", batch / (median / 1000));
            result.put("certifiedTop5", last.stream().filter(s -> s.certificate().topk()).count());
            Certifier radiusCertifier = new Certifier(bounds, radius);
            radiusCertifier.certify(Arrays.copyOf(rows, 16));
            List<Double> radiusTimes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                radiusCertifier.certify(rows);
                radiusTimes.add((System.nanoTime() - start) / 1e6);
            }
            result.put("radiusMsPerSample", median(radiusTimes) / batch);
            if (opts.containsKey("dump")) {
                Map<String, Object> dump = new LinkedHashMap<>();
                dump.put("rows", rows);
                dump.put("predicted", last.stream().mapToInt(CertifiedSample::predicted).toArray());
                dump.put("lower", last.stream().map(CertifiedSample::lower).toArray());
                dump.put("upper", last.stream().map(CertifiedSample::upper).toArray());
                dump.put("topk", last.stream().map(s -> s.certificate().topk()).toArray());
                new ObjectMapper().writeValue(Path.of(opts.get("dump")).toFile(), dump);
            }
        }
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        if (opts.containsKey("out")) {
            java.nio.file.Files.writeString(Path.of(opts.get("out")), json);
        }
        System.out.println(json);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
