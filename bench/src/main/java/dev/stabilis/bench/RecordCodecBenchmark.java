package dev.stabilis.bench;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.contract.ContractJson;
import dev.stabilis.contract.Explanation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON codec of {@code stabilis.explanations} records: the runner writes one per sample, detect reads each, and
 * a record is mostly numbers (attribution vectors, bounds, metrics). Side by side in one run, interleaved per round:
 * {@link ContractJson}'s mapper as shipped, and the same mapper with Jackson's fast number conversions switched off
 * (the JDK's {@code Double.toString} / {@code Double.parseDouble}). Each side writes every record and reads every
 * record's bytes, single-threaded. Arguments: {@code records} (a file of explanation records, one JSON object per line,
 * as {@code kcat} prints them), {@code rounds} (5), {@code seconds} (per side and direction in a round, 2), {@code out}
 * (result JSON; none: print only).
 */
public final class RecordCodecBenchmark {

    private RecordCodecBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = HarnessOptions.parse(args);
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "2"));
        List<byte[]> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(opts.getOrDefault("records", "bench/results/explanations.jsonl")))) {
            if (!line.isBlank()) {
                lines.add(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        List<Explanation> records = lines.stream().map(Explanation::read).toList();
        JsonMapper shipped = ContractJson.mapper();
        JsonMapper jdkNumbers = shipped.rebuild()
                .disable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .disable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .build();
        checkSameValues(shipped, jdkNumbers, records);

        String[] sides = {"shipped", "jdkNumbers"};
        JsonMapper[] mappers = {shipped, jdkNumbers};
        double[][] write = new double[2][rounds];
        double[][] read = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < 2; s++) {
                JsonMapper mapper = mappers[s];
                write[s][r] = recordsPerSecond(seconds, records.size(), () -> {
                    for (Explanation e : records) {
                        mapper.writeValueAsBytes(e);
                    }
                });
                read[s][r] = recordsPerSecond(seconds, lines.size(), () -> {
                    for (byte[] b : lines) {
                        mapper.readValue(b, Explanation.class);
                    }
                });
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("records", records.size());
        result.put("meanBytes", lines.stream().mapToInt(b -> b.length).average().orElse(0));
        result.put("rounds", rounds);
        for (int s = 0; s < 2; s++) {
            result.put(sides[s] + "WriteRecordsPerSecond", write[s]);
            result.put(sides[s] + "ReadRecordsPerSecond", read[s]);
        }
        result.put("writeShippedOverJdk", MethodComparison.median(write[0]) / MethodComparison.median(write[1]));
        result.put("readShippedOverJdk", MethodComparison.median(read[0]) / MethodComparison.median(read[1]));
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        if (opts.containsKey("out")) {
            Files.writeString(Path.of(opts.get("out")), json);
        }
        System.out.println(json);
    }

    /** Both sides must write texts that read back, on either side, to records equal to the originals. */
    private static void checkSameValues(JsonMapper a, JsonMapper b, List<Explanation> records) throws IOException {
        for (Explanation e : records) {
            JsonNode original = a.valueToTree(e);
            for (JsonMapper writer : List.of(a, b)) {
                byte[] text = writer.writeValueAsBytes(e);
                for (JsonMapper reader : List.of(a, b)) {
                    if (!a.valueToTree(reader.readValue(text, Explanation.class)).equals(original)) {
                        throw new IllegalStateException("record " + e.requestId() + " does not survive the round trip");
                    }
                }
            }
        }
    }

    private interface Pass {
        void run() throws IOException;
    }

    private static double recordsPerSecond(double seconds, int perPass, Pass pass) throws IOException {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long passes = 0;
        do {
            pass.run();
            passes++;
        } while (System.nanoTime() < end);
        return passes * perPass / ((System.nanoTime() - start) / 1e9);
    }
}
