package dev.stabilis.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The benchmark samples: the first rows of the digits CSV (64 grey levels 0..16 and a label), scaled to [0, 1]. */
final class DigitsRows {

    private static final int FEATURES = 64;
    private static final float GREY_LEVELS = 16f;

    private DigitsRows() {}

    /** The first {@code count} rows (fewer if the file has fewer) of a gzipped digits CSV, each feature / 16. */
    static float[][] read(Path file, int count) throws IOException {
        List<float[]> rows = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && rows.size() < count) {
                String[] cells = line.split(",");
                float[] row = new float[FEATURES];
                for (int i = 0; i < FEATURES; i++) {
                    row[i] = Float.parseFloat(cells[i]) / GREY_LEVELS;
                }
                rows.add(row);
            }
        }
        return rows.toArray(float[][]::new);
    }

    /** Rows {@code first} to {@code first + count − 1} of {@code rows}, one after another, as float64. */
    static double[] flat(float[][] rows, int first, int count) {
        double[] flat = new double[count * rows[0].length];
        for (int r = 0; r < count; r++) {
            for (int i = 0; i < rows[0].length; i++) {
                flat[r * rows[0].length + i] = rows[first + r][i];
            }
        }
        return flat;
    }
}
