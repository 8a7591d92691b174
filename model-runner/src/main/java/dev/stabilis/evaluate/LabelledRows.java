package dev.stabilis.evaluate;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Labelled samples: feature rows in the model's flattened input order, each with its class index.
 *
 * @param features one row per sample
 * @param labels the class index of each row
 */
public record LabelledRows(float[][] features, int[] labels) {

    public LabelledRows {
        if (features.length != labels.length) {
            throw new IllegalArgumentException(features.length + " feature rows but " + labels.length + " labels");
        }
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** The first {@code count} samples (all when there are fewer). */
    public LabelledRows first(int count) {
        int n = Math.min(count, size());
        return new LabelledRows(Arrays.copyOf(features, n), Arrays.copyOf(labels, n));
    }

    /**
     * Reads a CSV file (gzip-compressed when its name ends in {@code .gz}): one sample per line, the features
     * then the class index (an integer from 0) last, all lines with the same number of fields.
     *
     * @param header whether the first line is a header to skip
     * @param featureScale every feature is multiplied by this (1 keeps them), e.g. 1/16 for 0..16 grey levels
     * @throws IllegalArgumentException naming the file and line of a field that is not a number, a class that is
     *     not a non-negative integer, or a line of another length
     */
    public static LabelledRows readCsv(Path file, boolean header, double featureScale) {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return readCsv(in, file.toString(), header, featureScale);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read labelled CSV: " + e.getMessage(), e);
        }
    }

    /**
     * Reads CSV text in the format of {@link #readCsv(Path, boolean, double)} from a stream (a class-path resource,
     * for example), uncompressed.
     *
     * @param source names the data in error messages
     */
    public static LabelledRows readCsv(InputStream in, String source, boolean header, double featureScale) {
        CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY).enable(CsvParser.Feature.TRIM_SPACES);
        CsvSchema schema = CsvSchema.emptySchema().withSkipFirstDataRow(header);
        int line = header ? 1 : 0;
        List<float[]> features = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (MappingIterator<String[]> lines = mapper.readerFor(String[].class).with(schema).readValues(in)) {
            while (lines.hasNext()) {
                String[] fields = lines.next();
                line++;
                if (fields.length == 1 && fields[0].isEmpty()) {
                    continue;
                }
                String where = source + " line " + line;
                if (fields.length < 2) {
                    throw new IllegalArgumentException(where + ": needs at least one feature and the class, has " + fields.length + " field(s)");
                }
                if (!features.isEmpty() && fields.length != features.get(0).length + 1) {
                    throw new IllegalArgumentException(where + ": has " + fields.length + " fields, the first sample has "
                            + (features.get(0).length + 1));
                }
                float[] row = new float[fields.length - 1];
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) (number(fields[i], where, i + 1) * featureScale);
                }
                features.add(row);
                labels.add(label(fields[fields.length - 1], where));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": cannot read labelled CSV: " + e.getMessage(), e);
        }
        if (features.isEmpty()) {
            throw new IllegalArgumentException(source + ": no samples");
        }
        return new LabelledRows(features.toArray(float[][]::new), labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static double number(String field, String where, int column) {
        try {
            double v = Double.parseDouble(field);
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ", field " + column + ": '" + field + "' is not a finite number");
    }

    private static int label(String field, String where) {
        try {
            int label = Integer.parseInt(field);
            if (label >= 0) {
                return label;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ": the class (last field) must be an integer >= 0, got '" + field + "'");
    }
}
