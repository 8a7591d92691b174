package dev.stabilis.detect;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of attribution drift ({@link AttributionDriftProcessor}), the {@code stabilis.detect.drift.*} keys; the
 * windows, warm-up, baseline length and least samples are the baselines' ({@link DetectConfig}). Invalid values and
 * unknown {@code stabilis.detect.drift.*} keys fail fast with an {@link IllegalArgumentException} naming the key.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@value #K}</td><td>10</td><td>length of the compared top-k feature rankings</td></tr>
 * <tr><td>{@value #NDCG_THRESHOLD}</td><td>0.9</td><td>a window drifts when its nDCG@k is below this (SageMaker Clarify's default)</td></tr>
 * <tr><td>{@value #KENDALL_THRESHOLD}</td><td>0.2</td><td>... or when Kendall's τ_b over both top-k sets is below this</td></tr>
 * <tr><td>{@value #METHOD}</td><td>(the record's first)</td><td>attribution method whose vectors are averaged</td></tr>
 * </table>
 */
public record DriftConfig(int k, double ndcgThreshold, double kendallThreshold, String method) {

    public static final String PREFIX = DetectConfig.PREFIX + "drift.";
    public static final String K = PREFIX + "k";
    public static final String NDCG_THRESHOLD = PREFIX + "ndcg.threshold";
    public static final String KENDALL_THRESHOLD = PREFIX + "kendall.threshold";
    public static final String METHOD = PREFIX + "method";

    private static final Set<String> KEYS = Set.of(K, NDCG_THRESHOLD, KENDALL_THRESHOLD, METHOD);

    /** Checks every value; the message names the offending key. */
    public DriftConfig {
        require(k >= 1, K, "must be at least 1", k);
        require(ndcgThreshold >= 0 && ndcgThreshold <= 1, NDCG_THRESHOLD, "must be between 0 and 1", ndcgThreshold);
        require(kendallThreshold >= -1 && kendallThreshold <= 1, KENDALL_THRESHOLD, "must be between -1 and 1", kendallThreshold);
        require(method != null, METHOD, "must not be null", method);
    }

    public static DriftConfig defaults() {
        return from(Map.of());
    }

    /** Reads the keys above; other keys are ignored, unknown ones under {@value #PREFIX} fail. */
    public static DriftConfig from(Map<?, ?> properties) {
        Set<String> unknown = new TreeSet<>();
        for (Object key : properties.keySet()) {
            String name = String.valueOf(key);
            if (name.startsWith(PREFIX) && !KEYS.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown drift setting(s) " + unknown);
        }
        return new DriftConfig(
                (int) number(properties, K, 10, true),
                number(properties, NDCG_THRESHOLD, 0.9, false),
                number(properties, KENDALL_THRESHOLD, 0.2, false),
                text(properties, METHOD));
    }

    /** The method to average: the configured one, or else the first the record lists. */
    String methodOf(Map<String, ?> attributions) {
        if (!method.isEmpty()) {
            return attributions.containsKey(method) ? method : null;
        }
        return attributions.isEmpty() ? null : attributions.keySet().iterator().next();
    }

    private static String text(Map<?, ?> properties, String key) {
        Object value = properties.get(key);
        return value == null ? "" : value.toString().trim();
    }

    private static double number(Map<?, ?> properties, String key, double fallback, boolean integer) {
        String value = text(properties, key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return integer ? Integer.parseInt(value) : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be " + (integer ? "an integer" : "a number") + ", got '" + value + "'");
        }
    }

    private static void require(boolean valid, String key, String rule, Object value) {
        if (!valid) {
            throw new IllegalArgumentException(key + " " + rule + ", got '" + value + "'");
        }
    }
}
