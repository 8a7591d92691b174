package dev.stabilis.cli;

import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.Devices;
import dev.stabilis.evaluate.LabelledRows;
import dev.stabilis.evaluate.RobustnessEvaluation;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis compare}: evaluates model versions (say plain and hardened) on the same labelled data and
 * prints one table: accuracy, certified top-k fraction and top-k attack success at each ε, mean top-k
 * intersection under attack, and the median certified radius.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare model versions on labelled data: accuracy, certified top-k fraction and top-k attack success "
                + "at each epsilon, mean top-k intersection under attack, median certified radius. Prints a Markdown table, "
                + "or JSON with --json.")
final class CompareCommand implements Callable<Integer> {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    private LabelledDataOptions labelled;

    @Option(names = "--rows", paramLabel = "N", description = "Use only the first N samples (default: all).")
    private Integer rows;

    @Option(names = "--model", required = true, paramLabel = "[LABEL=]<dir|file.onnx>",
            description = "A model version directory (model.onnx, optional stabilis.yaml) or ONNX file; repeat for each "
                    + "model. The label names the model's row (default: the path as given).")
    private List<String> models;

    @Option(names = "--epsilon", paramLabel = "<e>[,<e>...]", split = ",", defaultValue = "0.001,0.002,0.005",
            description = "Box half-widths in raw feature units (default: ${DEFAULT-VALUE}).")
    private double[] epsilons;

    @Option(names = "--k", paramLabel = "K", defaultValue = "5", description = "Size of the top-k set (default: ${DEFAULT-VALUE}).")
    private int k;

    @Option(names = "--method", paramLabel = "interval|linear[,...]", split = ",", defaultValue = "interval",
            description = "Gradient-bound methods of the certificates, each a row per model (default: ${DEFAULT-VALUE}).")
    private List<String> methods;

    @Option(names = "--json", description = "Print JSON instead of the Markdown table.")
    private boolean json;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    private String device;

    @Override
    public Integer call() throws IOException {
        labelled.check();
        for (double epsilon : epsilons) {
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("--epsilon values must be finite numbers >= 0, got " + epsilon);
            }
        }
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1, got " + k);
        }
        for (String method : methods) {
            if (!List.of(GradientBounds.INTERVAL, GradientBounds.LINEAR).contains(method)) {
                throw new IllegalArgumentException("--method values must be interval or linear, got '" + method
                        + "' (smoothing certifies l2 balls, not these boxes: use stabilis certify --method smoothing)");
            }
        }
        if (rows != null && rows < 1) {
            throw new IllegalArgumentException("--rows must be at least 1, got " + rows);
        }
        LabelledRows samples = LabelledRows.readCsv(labelled.data, labelled.header, labelled.featureScale);
        if (rows != null) {
            samples = samples.first(rows);
        }
        List<ComparisonReport.Row> results = new ArrayList<>();
        for (String model : models) {
            int split = model.indexOf('=');
            String label = split > 0 ? model.substring(0, split) : model;
            Path path = Path.of(split > 0 ? model.substring(split + 1) : model);
            try (LoadedModel loaded = ModelLoader.load(label, "compare", path, Devices.resolve(device))) {
                for (String method : methods) {
                    results.add(new ComparisonReport.Row(label, loaded.artifact().toString(), method,
                            RobustnessEvaluation.evaluate(loaded, samples, epsilons, k, method)));
                }
            }
        }
        ComparisonReport report = new ComparisonReport(labelled.data.toString(), samples.size(), k, results);
        if (json) {
            JsonOutput.print(spec.commandLine().getOut(), report.json());
        } else {
            spec.commandLine().getOut().print(report.markdown());
            spec.commandLine().getOut().flush();
        }
        return ExitCodes.OK;
    }
}
