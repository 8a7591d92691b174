package dev.stabilis.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelledRowsTest {

    @TempDir
    Path dir;

    @Test
    void readsFeaturesThenTheClassScalingTheFeaturesOnly() throws IOException {
        Path csv = Files.writeString(dir.resolve("rows.csv"), "0,8,16,3\n16, 4 ,0,9\n\n");
        LabelledRows rows = LabelledRows.readCsv(csv, false, 1.0 / 16);
        assertThat(rows.size()).isEqualTo(2);
        assertThat(rows.features()[0]).containsExactly(0f, 0.5f, 1f);
        assertThat(rows.features()[1]).containsExactly(1f, 0.25f, 0f);
        assertThat(rows.labels()).containsExactly(3, 9);
        assertThat(rows.first(1).labels()).containsExactly(3);
        assertThat(rows.first(5).size()).isEqualTo(2);
    }

    @Test
    void skipsAHeaderAndReadsGzip() throws IOException {
        Path gz = dir.resolve("rows.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("2,1.5,a,b\n1.5,2.5,1\n0.25,-1e-3,0\n".getBytes(StandardCharsets.UTF_8));
        }
        LabelledRows rows = LabelledRows.readCsv(gz, true, 1);
        assertThat(rows.labels()).containsExactly(1, 0);
        assertThat(rows.features()[1]).containsExactly(0.25f, -0.001f);
    }

    @Test
    void theProjectsDigitsAndBreastCancerFilesRead() {
        LabelledRows digits = LabelledRows.readCsv(Path.of("../tools/fixtures/data/digits.csv.gz"), false, 1.0 / 16);
        assertThat(digits.size()).isEqualTo(1797);
        assertThat(digits.features()[0]).hasSize(64);
        assertThat(Arrays.stream(digits.labels()).distinct().sorted().toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        LabelledRows cancer = LabelledRows.readCsv(Path.of("../tools/fixtures/data/breast_cancer.csv"), true, 1);
        assertThat(cancer.size()).isEqualTo(569);
        assertThat(cancer.features()[0]).hasSize(30);
        assertThat(Arrays.stream(cancer.labels()).filter(label -> label == 0).count()).as("malignant").isEqualTo(212);
    }

    @Test
    void badLinesAreNamedWithTheirLineNumber() throws IOException {
        Path text = Files.writeString(dir.resolve("text.csv"), "1,2,0\n1,x,0\n");
        assertThatThrownBy(() -> LabelledRows.readCsv(text, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2, field 2: 'x' is not a finite number");
        Path blank = Files.writeString(dir.resolve("blank.csv"), "1,2,0\n\n1,x,0\n");
        assertThatThrownBy(() -> LabelledRows.readCsv(blank, false, 1)).as("blank lines count").hasMessageContaining("line 3, field 2");
        Path headed = Files.writeString(dir.resolve("headed.csv"), "a,b,class\n1,x,0\n");
        assertThatThrownBy(() -> LabelledRows.readCsv(headed, true, 1)).as("the header counts").hasMessageContaining("line 2, field 2");
        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "1,2,0\n1,2,3,0\n");
        assertThatThrownBy(() -> LabelledRows.readCsv(ragged, false, 1)).hasMessageContaining("line 2: has 4 fields, the first sample has 3");
        Path label = Files.writeString(dir.resolve("label.csv"), "1,2,0\n1,2,0.5\n");
        assertThatThrownBy(() -> LabelledRows.readCsv(label, false, 1))
                .hasMessageContaining("line 2: the class (last field) must be an integer >= 0, got '0.5'");
        Path negative = Files.writeString(dir.resolve("negative.csv"), "1,2,-1\n");
        assertThatThrownBy(() -> LabelledRows.readCsv(negative, false, 1)).hasMessageContaining("got '-1'");
        Path empty = Files.writeString(dir.resolve("empty.csv"), "\n");
        assertThatThrownBy(() -> LabelledRows.readCsv(empty, false, 1)).hasMessageContaining("no samples");
    }
}
