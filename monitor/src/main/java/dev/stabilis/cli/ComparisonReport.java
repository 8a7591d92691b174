package dev.stabilis.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.evaluate.RobustnessSummary;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/**
 * The output of {@code stabilis compare}: a Markdown table with one row per model and ε, or the same as JSON.
 *
 * @param data the data file
 * @param samples number of samples evaluated
 * @param k size of the top-k set
 * @param rows the models in the order given
 */
record ComparisonReport(String data, int samples, int k, List<Row> rows) {

    /**
     * One model's results.
     *
     * @param label the name of its rows
     * @param artifact its model file
     * @param method the certificates' gradient-bound method
     * @param summary what the evaluation found
     */
    record Row(String label, String artifact, String method, RobustnessSummary summary) {}

    /** The table, with a line above it saying what was measured. */
    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d samples of %s; top-%d sets of the gradient explanation; certification and "
                + "the top-k attack search the same box [x - ε, x + ε] clipped to each model's domain.%n%n", samples, data, k));
        out.append(String.format(Locale.ROOT, "| Model | Method | Accuracy | Median certified radius | ε | Certified top-%d | "
                + "Attack success | Mean top-%d ∩ under attack |%n", k, k));
        out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |").append(System.lineSeparator());
        for (Row row : rows) {
            RobustnessSummary s = row.summary();
            boolean first = true;
            for (RobustnessSummary.AtEpsilon e : s.perEpsilon()) {
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.3f | %.3f | %.3f |%n",
                        first ? row.label() : "", first ? row.method() : "", first ? String.format(Locale.ROOT, "%.3f", s.accuracy()) : "",
                        first ? String.format(Locale.ROOT, "%.4g", s.medianRadius()) : "", number(e.epsilon()),
                        e.certifiedTopk(), e.attackSuccess(), e.meanTopkIntersection()));
                first = false;
            }
        }
        return out.toString();
    }

    /** The same numbers unrounded. */
    ObjectNode json() {
        ObjectNode root = JsonMapper.builder().build().createObjectNode();
        root.put("data", data);
        root.put("samples", samples);
        root.put("k", k);
        ArrayNode models = root.putArray("models");
        for (Row row : rows) {
            RobustnessSummary s = row.summary();
            ObjectNode m = models.addObject();
            m.put("label", row.label());
            m.put("model", row.artifact());
            m.put("method", row.method());
            m.put("accuracy", s.accuracy());
            m.put("medianRadius", s.medianRadius());
            m.put("radiusMax", s.radiusMax());
            ArrayNode perEpsilon = m.putArray("perEpsilon");
            for (RobustnessSummary.AtEpsilon e : s.perEpsilon()) {
                ObjectNode o = perEpsilon.addObject();
                o.put("epsilon", e.epsilon());
                o.put("certifiedTopk", e.certifiedTopk());
                o.put("attackSuccess", e.attackSuccess());
                o.put("meanTopkIntersection", e.meanTopkIntersection());
            }
        }
        return root;
    }

    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
