package dev.stabilis.cli;

import dev.stabilis.app.KafkaAccess;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.report.ReportInputs;
import dev.stabilis.report.ReportPage;
import dev.stabilis.report.TopicScan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis report}: alerts and the explanations of the samples they cite, read from the topics of the
 * configuration or from JSON-lines files, written as one self-contained HTML page ({@link ReportPage}).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML report of alerts with pictures of the samples they cite: input, attribution, "
                + "attacked attribution and certified-bound width for image-shaped inputs, the top features with their certified "
                + "intervals for tabular ones. Reads the topics of the configuration (stabilis.topics.alerts, explanations, samples) "
                + "unless --alerts and --explanations name files (JSON lines, one record a line, as the topics hold them).")
final class ReportCommand implements Callable<Integer> {

    @Mixin
    private ProcessOptions process;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "<report.html>", description = "Where to write the report.")
    Path out;

    @Option(names = "--since", paramLabel = "<duration>", defaultValue = "1h",
            description = "Alerts of this last span of record time, from the topics: 10m, 2h, ... (default: ${DEFAULT-VALUE}).")
    String since;

    @Option(names = "--alerts", paramLabel = "<alerts.jsonl>", description = "Read the alerts from this file instead of the topic.")
    Path alertsFile;

    @Option(names = "--explanations", paramLabel = "<explanations.jsonl>", description = "With --alerts: the explanations' file.")
    Path explanationsFile;

    @Option(names = "--samples", paramLabel = "<samples.jsonl>", description = "With --alerts: the samples' file, for the inputs (optional).")
    Path samplesFile;

    @Option(names = "--image-shape", paramLabel = "[MODEL=][Cx]HxW",
            description = "Draw a model's flat input as an image of this shape, for example digits=8x8 (repeatable).")
    List<String> imageShapes = List.of();

    @Override
    public Integer call() throws IOException {
        ReportPage page = new ReportPage(imageShapes);
        ReportInputs inputs;
        if (alertsFile != null || explanationsFile != null || samplesFile != null) {
            if (alertsFile == null || explanationsFile == null) {
                throw new IllegalArgumentException("--alerts and --explanations go together (--samples is optional)");
            }
            inputs = ReportInputs.fromFiles(alertsFile, explanationsFile, samplesFile);
        } else {
            StabilisConfig config = process.load(Map.of());
            KafkaAccess.verify(config.kafka(), KafkaAccess.START_TIMEOUT);
            inputs = new TopicScan(config.kafka()).read(config.required("stabilis.topics.alerts"),
                    config.required("stabilis.topics.explanations"), config.required("stabilis.topics.samples"),
                    System.currentTimeMillis() - DurationOption.millis("--since", since));
        }
        Files.writeString(out, page.render(inputs), StandardCharsets.UTF_8);
        spec.commandLine().getOut().printf("%d alert(s), %d explanation(s) with %d sample(s), %d invalid record(s) left out -> %s%n",
                inputs.alerts().size(), inputs.explanations().size(), inputs.samples().size(), inputs.skipped(), out);
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
