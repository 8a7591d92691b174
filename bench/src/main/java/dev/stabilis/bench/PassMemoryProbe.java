package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.PassSize;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one pass of a model holds at its peak, beside the estimate that sizes passes from
 * {@code stabilis.runner.pass.memory.mb}: a float32 saliency pass ({@link PassSize#bytesPerRow}) or an interval
 * bound pass of the certificate ({@link Certifier#bytesPerBox}). After the
 * model's load and one warm-up pass of one row, the process's peak resident set is reset ({@code /proc/self/clear_refs}
 * 5) and one pass of {@code rows} rows runs; the peak above the resident set before it, over the rows, is the measured
 * cost of a row. One JVM per measurement, so that no other pass's memory is counted.
 *
 * <p>Arguments: {@code model} (ONNX file), {@code kind} ({@code saliency} or {@code bounds}), {@code rows}, {@code out}
 * (result JSON).
 */
public final class PassMemoryProbe {

    private PassMemoryProbe() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = ProcessFigures.parse(args);
        Path modelPath = Path.of(opts.get("model"));
        String kind = opts.get("kind");
        int rows = Integer.parseInt(opts.get("rows"));
        Engine.getInstance();
        Graph graph = OnnxImporter.read(modelPath);
        float[][] warm = ProcessFigures.randomRows(1, graph.inputSize(), 7);
        float[][] batch = ProcessFigures.randomRows(rows, graph.inputSize(), 42);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", modelPath.getFileName().toString());
        result.put("kind", kind);
        result.put("rows", rows);
        result.put("valuesPerSample", graph.valuesPerSample());
        long estimate;
        long before;
        long peak;
        switch (kind) {
            case "saliency" -> {
                estimate = PassSize.bytesPerRow(graph);
                try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
                    new Attributor(model, new Saliency(), TargetKind.LOGIT, rows).explain(warm, null);
                    before = resetPeak();
                    new Attributor(model, new Saliency(), TargetKind.LOGIT, rows).explain(batch, null);
                    peak = peakBytes();
                }
            }
            case "bounds" -> {
                estimate = Certifier.bytesPerBox(graph);
                CertifySettings settings = new CertifySettings(0.01, 5, TargetKind.LOGIT, 0, Splitting.NONE, false, 0.1, 12, new double[] {0},
                        new double[] {1});
                try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu())) {
                    new Certifier(bounds, settings, rows).certify(warm);
                    before = resetPeak();
                    new Certifier(bounds, settings, rows).certify(batch);
                    peak = peakBytes();
                }
            }
            default -> throw new IllegalArgumentException("kind must be saliency or bounds, got " + kind);
        }
        result.put("estimatedBytesPerRow", estimate);
        result.put("rssBeforePass_kB", before / 1024);
        result.put("peakDuringPass_kB", peak / 1024);
        result.put("measuredBytesPerRow", (peak - before) / rows);
        result.put("measuredOverEstimate", (peak - before) / (double) rows / estimate);
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        Files.writeString(Path.of(opts.get("out")), json);
        System.out.println(json);
    }

    /** Resets the peak resident set to the current one and returns the current one, in bytes. */
    private static long resetPeak() throws IOException {
        System.gc();
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        return kilobytes("VmRSS_kB") * 1024;
    }

    private static long peakBytes() {
        return kilobytes("VmHWM_kB") * 1024;
    }

    private static long kilobytes(String field) {
        Object value = ProcessFigures.memory().get(field);
        if (!(value instanceof Long kB)) {
            throw new IllegalStateException("no " + field + " in /proc/self/status: " + ProcessFigures.memory());
        }
        return kB;
    }
}
