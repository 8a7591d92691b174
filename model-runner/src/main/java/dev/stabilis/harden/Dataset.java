package dev.stabilis.harden;

import dev.stabilis.evaluate.LabelledRows;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * A labelled data set: rows of float32 features and an integer class per row.
 *
 * @param features one row per sample
 * @param labels the class of each row, in {@code [0, classes)}
 * @param classNames one name per class
 */
public record Dataset(float[][] features, int[] labels, List<String> classNames) {

    public Dataset {
        if (features.length != labels.length) {
            throw new IllegalArgumentException(features.length + " rows but " + labels.length + " labels");
        }
        classNames = List.copyOf(classNames);
    }

    /** Number of rows. */
    public int size() {
        return labels.length;
    }

    /** Features per row. */
    public int featureCount() {
        return features.length == 0 ? 0 : features[0].length;
    }

    /** Number of classes. */
    public int classes() {
        return classNames.size();
    }

    /**
     * Reads labelled samples with {@link LabelledRows#readCsv} (features, then the class index last; {@code .gz}
     * is decompressed). A header in scikit-learn's form {@code <rows>,<features>,<class name>...} names the
     * classes; otherwise they are named by number.
     *
     * @param header whether the first line is a header
     * @param featureScale every feature is multiplied by this (for example 1/16 for grey levels 0..16)
     */
    public static Dataset readCsv(Path file, boolean header, double featureScale) {
        LabelledRows rows = LabelledRows.readCsv(file, header, featureScale);
        int classes = Arrays.stream(rows.labels()).max().orElse(0) + 1;
        List<String> names = header ? headerClassNames(file, classes) : null;
        if (names == null) {
            names = new ArrayList<>();
            for (int c = 0; c < classes; c++) {
                names.add(Integer.toString(c));
            }
        }
        return new Dataset(rows.features(), rows.labels(), names);
    }

    /** The class names of a scikit-learn header, or null when the header is not of that form. */
    private static List<String> headerClassNames(Path file, int classes) {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line = reader.readLine();
            String[] fields = line == null ? new String[0] : line.split(",");
            return fields.length == classes + 2 ? Arrays.stream(fields, 2, fields.length).map(String::trim).toList() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the header: " + e.getMessage(), e);
        }
    }

    /** The rows at the given indices, in that order. */
    public Dataset rows(int[] indices) {
        float[][] x = new float[indices.length][];
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            x[i] = features[indices[i]];
            y[i] = labels[indices[i]];
        }
        return new Dataset(x, y, classNames);
    }

    /** The first {@code n} rows (all when there are fewer). */
    public Dataset head(int n) {
        int[] indices = new int[Math.min(n, size())];
        Arrays.setAll(indices, i -> i);
        return rows(indices);
    }

    /**
     * A seeded random split.
     *
     * @param testFraction share of rows held out, in (0, 1)
     */
    public Split split(double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
        }
        int[] order = new int[size()];
        Arrays.setAll(order, i -> i);
        Random random = new Random(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int test = (int) Math.round(size() * testFraction);
        if (test == 0 || test == size()) {
            throw new IllegalArgumentException("a test fraction of " + testFraction + " leaves an empty part of " + size() + " rows");
        }
        int[] testRows = Arrays.copyOfRange(order, 0, test);
        int[] trainRows = Arrays.copyOfRange(order, test, order.length);
        Arrays.sort(testRows);
        Arrays.sort(trainRows);
        return new Split(rows(trainRows), rows(testRows));
    }

    /** Training and held-out rows. */
    public record Split(Dataset train, Dataset test) {}
}
