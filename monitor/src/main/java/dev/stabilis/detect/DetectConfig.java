package dev.stabilis.detect;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Settings of the detect topology, read from {@code stabilis.topics.*} and {@code stabilis.detect.*} keys with
 * defaults. Invalid values and unknown {@code stabilis.detect.*} keys (but those of {@link DriftConfig}) fail fast with an
 * {@link IllegalArgumentException} that names the key. The dead-letter key is the ingest topology's, so both
 * share one DLQ.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@value #EXPLANATIONS_TOPIC}</td><td>stabilis.explanations</td><td>input topic</td></tr>
 * <tr><td>{@value #ALERTS_TOPIC}</td><td>stabilis.alerts</td><td>output topic</td></tr>
 * <tr><td>{@value #DLQ_TOPIC}</td><td>stabilis.dlq</td><td>dead-letter topic for malformed records</td></tr>
 * <tr><td>{@value #WINDOW_SIZE_MS}</td><td>60000</td><td>tumbling event-time window of the baselines</td></tr>
 * <tr><td>{@value #WINDOW_GRACE_MS}</td><td>5000</td><td>how long after its end a window still takes late samples</td></tr>
 * <tr><td>{@value #BASELINE_WINDOWS}</td><td>20</td><td>N: closed windows a baseline is learnt from</td></tr>
 * <tr><td>{@value #WARMUP_WINDOWS}</td><td>5</td><td>W: closed windows needed before a metric is judged</td></tr>
 * <tr><td>{@value #MIN_SAMPLES}</td><td>30</td><td>samples a window needs for a metric to be judged or learnt</td></tr>
 * <tr><td>{@value #Z_THRESHOLD}</td><td>3.5</td><td>robust z-score beyond which a window departs</td></tr>
 * <tr><td>{@value #MAD_FLOOR}</td><td>0.01</td><td>least MAD used (rates: absolute; radius: relative to the baseline)</td></tr>
 * <tr><td>{@value #MIN_CHANGE}</td><td>0.05</td><td>least absolute change of a rate that alerts</td></tr>
 * <tr><td>{@value #RADIUS_MIN_RELATIVE_CHANGE}</td><td>0.2</td><td>least relative drop of the median radius that alerts</td></tr>
 * <tr><td>{@value #MIN_TOPK_OVERLAP}</td><td>0 (off)</td><td>m: a certified top-k overlap below m is unstable</td></tr>
 * <tr><td>{@value #SUPPRESSION_WINDOW_MS}</td><td>60000</td><td>repeats within it are merged into one alert</td></tr>
 * <tr><td>{@value #SUPPRESSION_CHECK_INTERVAL_MS}</td><td>1000</td><td>wall-clock period of flushing ended suppression windows</td></tr>
 * <tr><td>{@value #SUPPRESSION_MAX_EVIDENCE}</td><td>500</td><td>a merged alert is emitted early once it holds this many sample ids</td></tr>
 * <tr><td>{@value #IDLE_CHECK_INTERVAL_MS}</td><td>1000</td><td>wall-clock period of closing the windows of models without new samples</td></tr>
 * <tr><td>{@value #SILENCE_WINDOWS}</td><td>5</td><td>a model without samples for this many windows gets one MODEL_SILENT alert (0: off)</td></tr>
 * <tr><td>{@value #DASHBOARD_URL}</td><td>(none)</td><td>URL of the Grafana dashboard {@code stabilis-model}; alerts link to it</td></tr>
 * </table>
 */
public record DetectConfig(
        String explanationsTopic, String alertsTopic, String dlqTopic,
        Duration windowSize, Duration windowGrace,
        int baselineWindows, int warmupWindows, int minSamples,
        double zThreshold, double madFloor, double minChange, double radiusMinRelativeChange,
        int minTopkOverlap,
        Duration suppressionWindow, Duration suppressionCheckInterval, int suppressionMaxEvidence,
        Duration idleCheckInterval, int silenceWindows, String dashboardUrl) {

    /** Keys under this prefix must be known; the topic keys are shared with the ingest topology. */
    public static final String PREFIX = "stabilis.detect.";
    public static final String EXPLANATIONS_TOPIC = "stabilis.topics.explanations";
    public static final String ALERTS_TOPIC = "stabilis.topics.alerts";
    public static final String DLQ_TOPIC = "stabilis.topics.dlq";
    public static final String WINDOW_SIZE_MS = "stabilis.detect.window.size.ms";
    public static final String WINDOW_GRACE_MS = "stabilis.detect.window.grace.ms";
    public static final String BASELINE_WINDOWS = "stabilis.detect.baseline.windows";
    public static final String WARMUP_WINDOWS = "stabilis.detect.baseline.warmup.windows";
    public static final String MIN_SAMPLES = "stabilis.detect.baseline.min.samples";
    public static final String Z_THRESHOLD = "stabilis.detect.baseline.z.threshold";
    public static final String MAD_FLOOR = "stabilis.detect.baseline.mad.floor";
    public static final String MIN_CHANGE = "stabilis.detect.baseline.min.change";
    public static final String RADIUS_MIN_RELATIVE_CHANGE = "stabilis.detect.baseline.radius.min.relative.change";
    public static final String MIN_TOPK_OVERLAP = "stabilis.detect.rules.min.topk.overlap";
    public static final String SUPPRESSION_WINDOW_MS = "stabilis.detect.suppression.window.ms";
    public static final String SUPPRESSION_CHECK_INTERVAL_MS = "stabilis.detect.suppression.check.interval.ms";
    public static final String SUPPRESSION_MAX_EVIDENCE = "stabilis.detect.suppression.max.evidence";
    public static final String IDLE_CHECK_INTERVAL_MS = "stabilis.detect.idle.check.interval.ms";
    public static final String SILENCE_WINDOWS = "stabilis.detect.silence.windows";
    public static final String DASHBOARD_URL = "stabilis.detect.alerts.dashboard.url";

    private static final Set<String> KEYS = Set.of(EXPLANATIONS_TOPIC, ALERTS_TOPIC, DLQ_TOPIC, WINDOW_SIZE_MS,
            WINDOW_GRACE_MS, BASELINE_WINDOWS, WARMUP_WINDOWS, MIN_SAMPLES, Z_THRESHOLD, MAD_FLOOR, MIN_CHANGE,
            RADIUS_MIN_RELATIVE_CHANGE, MIN_TOPK_OVERLAP, SUPPRESSION_WINDOW_MS, SUPPRESSION_CHECK_INTERVAL_MS,
            SUPPRESSION_MAX_EVIDENCE, IDLE_CHECK_INTERVAL_MS, SILENCE_WINDOWS, DASHBOARD_URL);

    /** Checks every value; the message names the offending key. */
    public DetectConfig {
        requireTopic(EXPLANATIONS_TOPIC, explanationsTopic);
        requireTopic(ALERTS_TOPIC, alertsTopic);
        requireTopic(DLQ_TOPIC, dlqTopic);
        require(!alertsTopic.equals(explanationsTopic), ALERTS_TOPIC, "must differ from " + EXPLANATIONS_TOPIC, alertsTopic);
        require(!dlqTopic.equals(explanationsTopic), DLQ_TOPIC, "must differ from " + EXPLANATIONS_TOPIC, dlqTopic);
        requireMillis(WINDOW_SIZE_MS, windowSize, 1);
        requireMillis(WINDOW_GRACE_MS, windowGrace, 0);
        require(baselineWindows >= 1, BASELINE_WINDOWS, "must be at least 1", baselineWindows);
        require(warmupWindows >= 1 && warmupWindows <= baselineWindows, WARMUP_WINDOWS,
                "must be between 1 and " + BASELINE_WINDOWS + " (" + baselineWindows + ")", warmupWindows);
        require(minSamples >= 1, MIN_SAMPLES, "must be at least 1", minSamples);
        require(zThreshold > 0 && Double.isFinite(zThreshold), Z_THRESHOLD, "must be positive and finite", zThreshold);
        require(madFloor > 0 && Double.isFinite(madFloor), MAD_FLOOR, "must be positive and finite", madFloor);
        require(minChange >= 0 && minChange <= 1, MIN_CHANGE, "must be between 0 and 1", minChange);
        require(radiusMinRelativeChange >= 0 && radiusMinRelativeChange < 1, RADIUS_MIN_RELATIVE_CHANGE,
                "must be at least 0 and below 1", radiusMinRelativeChange);
        require(minTopkOverlap >= 0, MIN_TOPK_OVERLAP, "must not be negative (0 turns the rule off)", minTopkOverlap);
        requireMillis(SUPPRESSION_WINDOW_MS, suppressionWindow, 1);
        requireMillis(SUPPRESSION_CHECK_INTERVAL_MS, suppressionCheckInterval, 1);
        require(suppressionMaxEvidence >= 1, SUPPRESSION_MAX_EVIDENCE, "must be at least 1", suppressionMaxEvidence);
        requireMillis(IDLE_CHECK_INTERVAL_MS, idleCheckInterval, 1);
        require(silenceWindows >= 0, SILENCE_WINDOWS, "must not be negative (0 turns the alert off)", silenceWindows);
        require(dashboardUrl.isEmpty() || dashboardUrl.matches("https?://\\S+"), DASHBOARD_URL, "must be an http(s) URL or empty",
                dashboardUrl);
    }

    /** All defaults. */
    public static DetectConfig defaults() {
        return from(Map.of());
    }

    /**
     * Reads the keys above from a configuration (a {@link java.util.Properties} works); other keys are
     * ignored, so one file can hold the Kafka Streams settings too.
     */
    public static DetectConfig from(Map<?, ?> properties) {
        Set<String> unknown = new HashSet<>();
        for (Object key : properties.keySet()) {
            String name = String.valueOf(key);
            if (name.startsWith(PREFIX) && !name.startsWith(DriftConfig.PREFIX) && !KEYS.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown detect setting(s) " + unknown.stream().sorted().toList());
        }
        Values v = new Values(properties);
        return new DetectConfig(
                v.text(EXPLANATIONS_TOPIC, "stabilis.explanations"),
                v.text(ALERTS_TOPIC, "stabilis.alerts"),
                v.text(DLQ_TOPIC, "stabilis.dlq"),
                v.millis(WINDOW_SIZE_MS, 60_000),
                v.millis(WINDOW_GRACE_MS, 5_000),
                v.count(BASELINE_WINDOWS, 20),
                v.count(WARMUP_WINDOWS, 5),
                v.count(MIN_SAMPLES, 30),
                v.decimal(Z_THRESHOLD, 3.5),
                v.decimal(MAD_FLOOR, 0.01),
                v.decimal(MIN_CHANGE, 0.05),
                v.decimal(RADIUS_MIN_RELATIVE_CHANGE, 0.2),
                v.count(MIN_TOPK_OVERLAP, 0),
                v.millis(SUPPRESSION_WINDOW_MS, 60_000),
                v.millis(SUPPRESSION_CHECK_INTERVAL_MS, 1_000),
                v.count(SUPPRESSION_MAX_EVIDENCE, 500),
                v.millis(IDLE_CHECK_INTERVAL_MS, 1_000),
                v.count(SILENCE_WINDOWS, 5),
                v.text(DASHBOARD_URL, ""));
    }

    private static void requireTopic(String key, String topic) {
        require(topic != null && !topic.isBlank(), key, "must name a topic", topic);
    }

    private static void requireMillis(String key, Duration duration, long least) {
        require(duration != null && duration.toMillis() >= least, key, "must be at least " + least + " ms",
                duration == null ? null : duration.toMillis());
    }

    private static void require(boolean valid, String key, String rule, Object value) {
        if (!valid) {
            throw new IllegalArgumentException(key + " " + rule + ", got '" + value + "'");
        }
    }

    /** Typed reads of configuration values, with the key in every error. */
    private record Values(Map<?, ?> properties) {

        String text(String key, String fallback) {
            Object value = properties.get(key);
            return value == null ? fallback : value.toString().trim();
        }

        Duration millis(String key, long fallback) {
            return Duration.ofMillis(parse(key, fallback, Long::parseLong, "an integer number of milliseconds"));
        }

        int count(String key, int fallback) {
            return parse(key, fallback, Integer::parseInt, "an integer");
        }

        double decimal(String key, double fallback) {
            return parse(key, fallback, Double::parseDouble, "a number");
        }

        private <T> T parse(String key, T fallback, Function<String, T> parser, String expected) {
            String value = text(key, null);
            if (value == null) {
                return fallback;
            }
            try {
                return parser.apply(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be " + expected + ", got '" + value + "'");
            }
        }
    }
}
