package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.onnx.OnnxImporter;
import dev.stabilis.service.ModelPipeline;
import dev.stabilis.service.PipelineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Small-batch latency (the streaming case at low traffic) through the public API, one row per call: saliency
 * ({@link Attributor#explain}), the full certify call ({@link Certifier#certify}: point gradient, interval bounds,
 * certificates) on the digits MLP fixture, and the runner's full per-sample pipeline ({@link ModelPipeline#evaluate}
 * with the demo's options on the repository's digits model). p50 and p99 over timed calls after a warm-up. Also the
 * number of arrays one batch-1 interval bound pass makes ({@link GradientBounds#bounds}, counted in a sub-manager, where a
 * batch-1 pass frees none of them: it is below the size from which the engine frees each node's temporaries as it goes,
 * {@code ScopedStep.SCOPED_FROM_ELEMENTS}): each is one native call, the cost that dominates at batch 1.
 *
 * <p>Arguments: {@code model} (ONNX file), {@code models} (repository, models), {@code calls} (2000; the pipeline
 * takes a tenth), {@code batches} (more batch sizes, comma-separated, at which saliency and certify are also timed, under
 * {@code batches} in the result: where the host path for a few rows stops paying; none by default), {@code out} (result
 * JSON).
 */
public final class LatencyBenchmark {

    private LatencyBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = HarnessOptions.parse(args);
        Graph graph = OnnxImporter.read(Path.of(opts.getOrDefault("model",
                "model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx")));
        Path models = Path.of(opts.getOrDefault("models", "models"));
        int calls = Integer.parseInt(opts.getOrDefault("calls", "2000"));
        int[] batches = opts.containsKey("batches")
                ? Arrays.stream(opts.get("batches").split(",")).mapToInt(Integer::parseInt).toArray() : new int[0];
        float[][] row = rows(1, graph.inputSize());
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> perBatch = new LinkedHashMap<>();
        for (int batch : batches) {
            perBatch.put(Integer.toString(batch), new LinkedHashMap<String, Object>());
        }
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            Attributor saliency = new Attributor(model, new Saliency());
            result.put("explainSaliency", percentiles(calls, () -> saliency.explain(row, null)));
            for (int batch : batches) {
                float[][] rows = rows(batch, graph.inputSize());
                at(perBatch, batch).put("explainSaliency", percentiles(Math.max(20, calls / batch), () -> saliency.explain(rows, null)));
            }
        }
        CertifySettings settings = new CertifySettings(0.005, 5, TargetKind.LOGIT, 0, Splitting.NONE, false, 1, 16, new double[] {0},
                new double[] {1});
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu())) {
            Certifier certifier = new Certifier(bounds, settings);
            result.put("certify", percentiles(calls, () -> certifier.certify(row)));
            result.put("arraysPerBoundPass", arraysPerBoundPass(bounds, row[0], settings.epsilon()));
            for (int batch : batches) {
                float[][] rows = rows(batch, graph.inputSize());
                at(perBatch, batch).put("certify", percentiles(Math.max(20, calls / batch), () -> certifier.certify(rows)));
            }
        }
        if (batches.length > 0) {
            result.put("batches", perBatch);
        }
        PipelineOptions defaults = new PipelineOptions(true, true, true, true, 20);
        try (ModelPipeline pipeline = new ModelPipeline(new ModelRepository(models).load("digits", "latest", Device.cpu()), defaults)) {
            float[][] sample = {Arrays.copyOf(row[0], pipeline.loaded().inputSize())};
            result.put("pipeline", percentiles(Math.max(20, calls / 10), () -> pipeline.evaluate(sample)));
        }
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        if (opts.containsKey("out")) {
            Files.writeString(Path.of(opts.get("out")), json);
        }
        System.out.println(json);
    }

    /** {@code n} rows of uniform values in [0, 1), the same for every call (seed 7). */
    private static float[][] rows(int n, int features) {
        SplittableRandom random = new SplittableRandom(7);
        float[][] rows = new float[n][features];
        for (float[] r : rows) {
            for (int i = 0; i < features; i++) {
                r[i] = (float) random.nextDouble();
            }
        }
        return rows;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Map<String, Object> perBatch, int batch) {
        return (Map<String, Object>) perBatch.get(Integer.toString(batch));
    }

    /** Arrays made by one bound pass over the box of half-width epsilon around a row (boxes made beforehand). */
    private static int arraysPerBoundPass(GradientBounds bounds, float[] row, double epsilon) {
        try (NDManager manager = bounds.model().manager().newSubManager()) {
            double[] x = new double[row.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = row[i];
            }
            NDArray centre = manager.create(x, new Shape(Shapes.withBatch(1, bounds.graph().inputSampleShape())));
            NDArray lower = centre.sub(epsilon);
            NDArray upper = centre.add(epsilon);
            NDArray classes = manager.create(new long[] {0});
            int before = manager.getManagedArrays().size();
            bounds.bounds(lower, upper, classes, TargetKind.LOGIT, 0);
            return manager.getManagedArrays().size() - before;
        }
    }

    /** p50 and p99 in ms of {@code calls} timed calls after as many untimed ones (at least 2 s of them). */
    private static Map<String, Double> percentiles(int calls, Runnable call) {
        long warmEnd = System.nanoTime() + 2_000_000_000L;
        for (int i = 0; i < calls || System.nanoTime() < warmEnd; i++) {
            call.run();
        }
        double[] ms = new double[calls];
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("p50Ms", ms[calls / 2]);
        p.put("p99Ms", ms[(int) Math.ceil(calls * 0.99) - 1]);
        p.put("calls", (double) calls);
        return p;
    }
}
