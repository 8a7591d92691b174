package dev.stabilis.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Topics and limits of the ingest topology.
 *
 * <p>Keys of {@link #from(Map)} (defaults in brackets): {@value #REQUESTS_TOPIC} [inference-requests],
 * {@value #RESPONSES_TOPIC} [none: responses only on the requests topic], {@value #SAMPLES_TOPIC}
 * [stabilis.samples], {@value #DLQ_TOPIC} [stabilis.dlq], {@value #MAX_PAYLOAD_BYTES} [524288],
 * {@value #MAX_HEADER_BYTES} [32768], {@value #JOIN_ENABLED} [true], {@value #JOIN_WINDOW_MS} [5000], {@value #JOIN_GRACE_MS} [1000],
 * {@value #DEDUP_RETENTION_MS} [empty: 300000, or the join's hold when that is longer].
 *
 * <p>The payload limit also bounds dead-letter records: the original value is embedded in base64 only up to the
 * limit, and the original headers only up to the header limit, so with the defaults a dead letter stays well
 * under Kafka's default 1 MiB message size. Raising the limits beyond about 700 KiB together needs a larger
 * {@code max.request.size} for the producer and {@code max.message.bytes} on the dead-letter topic.
 *
 * @param requestsTopic topic of inference requests (and, from KServe, usually their responses too)
 * @param responsesTopic a separate topic of responses, or null
 * @param samplesTopic output topic of normalised samples
 * @param dlqTopic dead-letter topic
 * @param maxPayloadBytes larger record values are rejected as {@code TOO_LARGE}
 * @param maxHeaderBytes records whose headers (names and values) are larger in all are rejected as
 *        {@code TOO_LARGE}, and their dead letters carry no headers; a dead letter also leaves out an original
 *        key larger than this
 * @param joinEnabled whether requests wait for their responses; when false, samples are emitted at once with
 *        no served output and responses are not consumed (response events on the requests topic are skipped)
 * @param joinWindow largest time difference between a request and its response
 * @param joinGrace how long after the window out-of-order records are still joined
 * @param dedupRetention how long (in stream time) a request id that gave a sample keeps later requests with that id
 *        out (joined path only), and a response the join gave up on waits for its request; at least the join's own
 *        hold of unmatched requests, twice (2 × window + grace) + 1 s
 */
public record IngestConfig(String requestsTopic, String responsesTopic, String samplesTopic, String dlqTopic,
        int maxPayloadBytes, int maxHeaderBytes, boolean joinEnabled, Duration joinWindow, Duration joinGrace,
        Duration dedupRetention) {

    public static final String REQUESTS_TOPIC = "stabilis.topics.requests";
    public static final String RESPONSES_TOPIC = "stabilis.topics.responses";
    public static final String SAMPLES_TOPIC = "stabilis.topics.samples";
    public static final String DLQ_TOPIC = "stabilis.topics.dlq";
    public static final String MAX_PAYLOAD_BYTES = "stabilis.ingest.max.payload.bytes";
    public static final String MAX_HEADER_BYTES = "stabilis.ingest.max.header.bytes";
    public static final String JOIN_ENABLED = "stabilis.ingest.join.enabled";
    public static final String JOIN_WINDOW_MS = "stabilis.ingest.join.window.ms";
    public static final String JOIN_GRACE_MS = "stabilis.ingest.join.grace.ms";
    public static final String DEDUP_RETENTION_MS = "stabilis.ingest.dedup.retention.ms";

    /** How long request ids are deduplicated unless configured (or unless the join's hold is longer). */
    public static final Duration DEFAULT_DEDUP_RETENTION = Duration.ofMinutes(5);

    public IngestConfig {
        requireTopic(REQUESTS_TOPIC, requestsTopic);
        requireTopic(SAMPLES_TOPIC, samplesTopic);
        requireTopic(DLQ_TOPIC, dlqTopic);
        responsesTopic = responsesTopic == null || responsesTopic.isBlank() ? null : responsesTopic;
        require(MAX_PAYLOAD_BYTES, maxPayloadBytes > 0, "must be positive, got " + maxPayloadBytes);
        require(MAX_HEADER_BYTES, maxHeaderBytes > 0, "must be positive, got " + maxHeaderBytes);
        require(JOIN_WINDOW_MS, !joinWindow.isNegative(), "must not be negative, got " + joinWindow.toMillis());
        require(JOIN_GRACE_MS, !joinGrace.isNegative(), "must not be negative, got " + joinGrace.toMillis());
        Duration hold = FirstOutcomeProcessor.retention(joinWindow, joinGrace);
        require(DEDUP_RETENTION_MS, dedupRetention.compareTo(hold) >= 0, "must be at least the join's hold of "
                + hold.toMillis() + " ms (twice (2 × window + grace), plus 1 s), got " + dedupRetention.toMillis());
    }

    /** The defaults. */
    public static IngestConfig defaults() {
        return from(Map.of());
    }

    /** Reads the keys listed above; other keys are ignored, missing ones take their defaults. */
    public static IngestConfig from(Map<?, ?> properties) {
        Duration window = Duration.ofMillis(number(properties, JOIN_WINDOW_MS, 5000));
        Duration grace = Duration.ofMillis(number(properties, JOIN_GRACE_MS, 1000));
        Duration hold = FirstOutcomeProcessor.retention(window, grace);
        Duration dedup = text(properties, DEDUP_RETENTION_MS, "").isEmpty()
                ? (hold.compareTo(DEFAULT_DEDUP_RETENTION) > 0 ? hold : DEFAULT_DEDUP_RETENTION)
                : Duration.ofMillis(number(properties, DEDUP_RETENTION_MS, 0));
        return new IngestConfig(
                text(properties, REQUESTS_TOPIC, "inference-requests"),
                text(properties, RESPONSES_TOPIC, ""),
                text(properties, SAMPLES_TOPIC, "stabilis.samples"),
                text(properties, DLQ_TOPIC, "stabilis.dlq"),
                intNumber(properties, MAX_PAYLOAD_BYTES, 512 * 1024),
                intNumber(properties, MAX_HEADER_BYTES, 32 * 1024),
                switch (text(properties, JOIN_ENABLED, "true")) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException(JOIN_ENABLED + " must be true or false");
                },
                window,
                grace,
                dedup);
    }

    /** The topics the topology reads: the requests topic, and the responses topic when joining. */
    public List<String> sourceTopics() {
        List<String> topics = new ArrayList<>(List.of(requestsTopic));
        if (joinEnabled && responsesTopic != null && !responsesTopic.equals(requestsTopic)) {
            topics.add(responsesTopic);
        }
        return topics;
    }

    private static String text(Map<?, ?> properties, String key, String fallback) {
        Object value = properties.get(key);
        return value == null ? fallback : value.toString().trim();
    }

    private static long number(Map<?, ?> properties, String key, long fallback) {
        String text = text(properties, key, Long.toString(fallback));
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + text + "'");
        }
    }

    private static int intNumber(Map<?, ?> properties, String key, int fallback) {
        long value = number(properties, key, fallback);
        require(key, value <= Integer.MAX_VALUE, "must be at most " + Integer.MAX_VALUE + ", got " + value);
        return (int) value;
    }

    private static void requireTopic(String key, String topic) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException(key + " must name a topic");
        }
    }

    private static void require(String key, boolean valid, String problem) {
        if (!valid) {
            throw new IllegalArgumentException(key + " " + problem);
        }
    }
}
