package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.certify.IntervalBounds;
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
 * seconds, 5), {@code part} ({@code certify}: the whole call; {@code bounds}: only {@link GradientBounds#bounds} on
 * prepared boxes and classes), {@code radius} ({@code true}: also time the certified radius), {@code out} (result
 * JSON), {@code dump} (the first 256 rows + their
 * bounds as JSON).
 */
public final class CertifyBenchmark {

    /** Rows (with their results) dumped for the reference, which repeats them up to the batch size. */
    private static final int DUMPED_ROWS = 256;

    /** Timed iterations at least, however long they take (a 784-wide certify at batch 4096 takes seconds). */
    private static final int MIN_ITERATIONS = 5;

    private CertifyBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = HarnessOptions.parse(args);
        Path model = Path.of(opts.getOrDefault("model", "model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "256"));
        double epsilon = Double.parseDouble(opts.getOrDefault("epsilon", "0.005"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "5"));
        boolean boundsOnly = opts.getOrDefault("part", "certify").equals("bounds");
        boolean timeRadius = Boolean.parseBoolean(opts.getOrDefault("radius", "true"));
        double[] unitMin = {0};
        double[] unitMax = {1};
        CertifySettings settings = new CertifySettings(epsilon, 5, TargetKind.LOGIT, 0, Splitting.NONE, false, 1, 16, unitMin, unitMax);
        CertifySettings radius = new CertifySettings(epsilon, 5, TargetKind.LOGIT, 0, Splitting.NONE, true, 1, 16, unitMin, unitMax);
        Map<String, Object> result = new LinkedHashMap<>();
        try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(model), Device.cpu())) {
            SplittableRandom random = new SplittableRandom(42);
            float[][] rows = new float[batch][bounds.graph().inputSize()];
            for (float[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) random.nextDouble();
                }
            }
            Certifier certifier = new Certifier(bounds, settings);
            List<CertifiedSample> last = certifier.certify(rows);
            Runnable pass = boundsOnly ? boundsPass(bounds, rows, epsilon) : () -> certifier.certify(rows);
            long warmupEnd = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < warmupEnd) {
                pass.run();
            }
            List<Double> times = new ArrayList<>();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end || times.size() < MIN_ITERATIONS) {
                long start = System.nanoTime();
                pass.run();
                times.add((System.nanoTime() - start) / 1e6);
            }
            double median = median(times);
            result.put("part", boundsOnly ? "bounds" : "certify");
            result.put("batch", batch);
            result.put("epsilon", epsilon);
            result.put("iterations", times.size());
            result.put("medianMs", median);
            result.put("bestMs", times.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
            result.put("samplesPerSecond", batch / (median / 1000));
            result.put("certifiedTop5", last.stream().filter(s -> s.certificate().topk()).count());
            if (timeRadius) {
                Certifier radiusCertifier = new Certifier(bounds, radius);
                radiusCertifier.certify(Arrays.copyOf(rows, 16));
                List<Double> radiusTimes = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    radiusCertifier.certify(rows);
                    radiusTimes.add((System.nanoTime() - start) / 1e6);
                }
                result.put("radiusMsPerSample", median(radiusTimes) / batch);
            }
            if (opts.containsKey("dump")) {
                Map<String, Object> dump = new LinkedHashMap<>();
                int dumped = Math.min(batch, DUMPED_ROWS);
                List<CertifiedSample> first = last.subList(0, dumped);
                dump.put("rows", Arrays.copyOf(rows, dumped));
                dump.put("predicted", first.stream().mapToInt(CertifiedSample::predicted).toArray());
                dump.put("lower", first.stream().map(CertifiedSample::lower).toArray());
                dump.put("upper", first.stream().map(CertifiedSample::upper).toArray());
                dump.put("topk", first.stream().map(s -> s.certificate().topk()).toArray());
                new ObjectMapper().writeValue(Path.of(opts.get("dump")).toFile(), dump);
            }
        }
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        if (opts.containsKey("out")) {
            java.nio.file.Files.writeString(Path.of(opts.get("out")), json);
        }
        System.out.println(json);
    }

    /**
     * One interval bound pass over the boxes {@code [x − ε, x + ε] ∩ [0, 1]} of the rows for their predicted classes
     * (boxes and classes prepared once, outside the timing; each pass's arrays freed with its own manager).
     */
    private static Runnable boundsPass(GradientBounds bounds, float[][] rows, double epsilon) {
        NDManager manager = bounds.model().manager().newSubManager();
        NDArray x = manager.create(rows).toType(DataType.FLOAT64, false);
        NDArray lower = x.sub(epsilon).clip(0, 1);
        NDArray upper = x.add(epsilon).clip(0, 1);
        NDArray classes = bounds.model().gradients(x, null, TargetKind.LOGIT).classes();
        return () -> {
            try (NDManager pass = manager.newSubManager()) {
                IntervalBounds b = bounds.bounds(copy(lower, pass), copy(upper, pass), copy(classes, pass), TargetKind.LOGIT, 0);
                b.gradientLower().attach(pass);
                b.gradientUpper().attach(pass);
                b.logitLower().attach(pass);
                b.logitUpper().attach(pass);
            }
        };
    }

    private static NDArray copy(NDArray array, NDManager manager) {
        NDArray copy = array.duplicate();
        copy.attach(manager);
        return copy;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
