package dev.stabilis.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of the commands that read a labelled data set: the CSV file, its header and a feature scale. */
final class LabelledDataOptions {

    @Option(names = "--data", required = true, paramLabel = "<file.csv[.gz]>",
            description = "Labelled samples: one per line, the features in the model's input order, then the class index.")
    Path data;

    @Option(names = "--header", description = "The first line of --data is a header (a scikit-learn header names the classes).")
    boolean header;

    @Option(names = "--feature-scale", paramLabel = "S", defaultValue = "1",
            description = "Multiply every feature by S, e.g. 0.0625 for grey levels 0..16 (default: ${DEFAULT-VALUE}).")
    double featureScale;

    /** Fails with a usage error naming the option when the file is missing or the scale is not a finite positive number. */
    void check() {
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException("--data " + data + ": no such file");
        }
        if (!(featureScale > 0) || Double.isInfinite(featureScale)) {
            throw new IllegalArgumentException("--feature-scale must be a finite number > 0, got " + featureScale);
        }
    }
}
