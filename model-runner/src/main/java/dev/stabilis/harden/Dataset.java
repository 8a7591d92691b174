package dev.stabilis.harden;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
     * Reads a comma-separated file ({@code .gz} is decompressed): one row per line, the features then the class
     * as an integer in the last column. An optional first line in scikit-learn's form
     * {@code <rows>,<features>,<class name>...} names the classes; without it classes are named by number.
     *
     * @param featureScale every feature is multiplied by this (for example 1/16 for grey levels 0..16)
     */
    public static Dataset readCsv(Path file, double featureScale) {
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = null;
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(",");
                if (number == 1 && fields.length > 2 && !isNumber(fields[fields.length - 1])) {
                    names = Arrays.stream(fields, 2, fields.length).map(String::trim).toList();
                    continue;
                }
                if (!rows.isEmpty() && fields.length != rows.get(0).length + 1) {
                    throw new IllegalArgumentException(file + " line " + number + ": " + fields.length + " columns, expected "
                            + (rows.get(0).length + 1));
                }
                float[] x = new float[fields.length - 1];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (parse(fields[i], file, number) * featureScale);
                }
                double label = parse(fields[fields.length - 1], file, number);
                if (label != Math.rint(label) || label < 0) {
                    throw new IllegalArgumentException(file + " line " + number + ": class '" + fields[fields.length - 1].trim()
                            + "' is not a non-negative integer");
                }
                rows.add(x);
                labels.add((int) label);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read data: " + e.getMessage(), e);
        }
        if (rows.isEmpty() || rows.get(0).length == 0) {
            throw new IllegalArgumentException(file + ": no labelled rows");
        }
        int classes = labels.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        if (names == null) {
            names = new ArrayList<>();
            for (int c = 0; c < classes; c++) {
                names.add(Integer.toString(c));
            }
        } else if (names.size() < classes) {
            throw new IllegalArgumentException(file + ": header names " + names.size() + " classes but labels reach " + (classes - 1));
        }
        return new Dataset(rows.toArray(float[][]::new), labels.stream().mapToInt(Integer::intValue).toArray(), names);
    }

    private static boolean isNumber(String field) {
        try {
            Double.parseDouble(field.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static double parse(String field, Path file, int line) {
        try {
            return Double.parseDouble(field.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + " line " + line + ": '" + field.trim() + "' is not a number", e);
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
