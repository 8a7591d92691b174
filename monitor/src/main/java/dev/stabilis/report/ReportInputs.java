package dev.stabilis.report;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.ContractException;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Sample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What a report shows: the alerts, in the order read, and the explanations and samples of the samples they cite, by
 * sample id ({@code requestId#index}). Samples are optional: without them the input itself is not drawn.
 *
 * @param source where the records came from, for the report's header
 * @param skipped records of the topics that were no valid record of their contract, left out (files have none: a bad
 *     line fails the read)
 */
public record ReportInputs(String source, List<Alert> alerts, Map<String, Explanation> explanations, Map<String, Sample> samples,
        int skipped) {

    /** Thrown when an input file or record cannot be read; the message names the file and line. */
    public static final class InputException extends RuntimeException {
        InputException(String message) {
            super(message);
        }
    }

    /**
     * Reads JSON-lines files, one record per line (blank lines are skipped), as the topics hold them. Only the
     * explanations and samples that an alert cites are kept.
     *
     * @param samples null when there is none
     */
    public static ReportInputs fromFiles(Path alerts, Path explanations, Path samples) {
        List<Alert> read = new ArrayList<>();
        lines(alerts, (line, bytes) -> read.add(parse(alerts, line, bytes, Alert::read)));
        Set<String> cited = cited(read);
        Map<String, Explanation> byId = new LinkedHashMap<>();
        lines(explanations, (line, bytes) -> {
            Explanation e = parse(explanations, line, bytes, Explanation::read);
            if (cited.contains(e.sampleId())) {
                byId.put(e.sampleId(), e);
            }
        });
        Map<String, Sample> sampleById = new LinkedHashMap<>();
        if (samples != null) {
            lines(samples, (line, bytes) -> {
                Sample s = parse(samples, line, bytes, Sample::read);
                if (cited.contains(s.requestId() + "#" + s.index())) {
                    sampleById.put(s.requestId() + "#" + s.index(), s);
                }
            });
        }
        String from = alerts + ", " + explanations + (samples == null ? "" : ", " + samples);
        return new ReportInputs(from, List.copyOf(read), byId, sampleById, 0);
    }

    /** Every sample id the alerts cite as evidence, in order. */
    static Set<String> cited(List<Alert> alerts) {
        Set<String> ids = new LinkedHashSet<>();
        alerts.forEach(a -> {
            if (a.evidence() != null) {
                ids.addAll(a.evidence());
            }
        });
        return ids;
    }

    private interface LineHandler {
        void handle(int line, byte[] bytes);
    }

    private static void lines(Path file, LineHandler handler) {
        if (!Files.isRegularFile(file)) {
            throw new InputException(file + ": no such file");
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int line = 0;
            while ((text = in.readLine()) != null) {
                line++;
                if (!text.isBlank()) {
                    handler.handle(line, text.getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static <T> T parse(Path file, int line, byte[] bytes, Function<byte[], T> reader) {
        try {
            return reader.apply(bytes);
        } catch (ContractException e) {
            throw new InputException(file + " line " + line + ": " + e.getMessage());
        }
    }
}
