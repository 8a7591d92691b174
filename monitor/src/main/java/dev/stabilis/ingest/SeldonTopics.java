package dev.stabilis.ingest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The Kafka topics of Seldon Core 2 that the ingest reads: {@code seldon.<namespace>.model.<model>.inputs} (Open
 * Inference Protocol V2 {@code ModelInferRequest} protobuf) and {@code .outputs} ({@code ModelInferResponse}), joined
 * by Seldon's request id header {@value #REQUEST_ID_HEADER}. The setting {@value #PATTERN} is a regular expression
 * that selects which of them (e.g. {@code seldon\.ml\.model\..+} for every model of namespace {@code ml}); empty: none.
 *
 * @param pattern the topics to read, or null for none
 */
public record SeldonTopics(Pattern pattern) {

    public static final String PATTERN = "stabilis.ingest.seldon.topic.pattern";

    /** The header in which Seldon Core 2 carries the request id on both topics. */
    static final String REQUEST_ID_HEADER = "x-request-id";

    private static final Pattern NAME = Pattern.compile("seldon\\.([^.]+)\\.model\\.([^.]+)\\.(inputs|outputs)");

    static SeldonTopics from(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            return new SeldonTopics(null);
        }
        try {
            return new SeldonTopics(Pattern.compile(pattern.trim()));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(PATTERN + " is not a regular expression: " + e.getDescription());
        }
    }

    /** Whether a consumed topic is one of Seldon's model topics this setting selects. */
    boolean matches(String topic) {
        return pattern != null && pattern.matcher(topic).matches() && NAME.matcher(topic).matches();
    }

    /** The parts of a Seldon model topic name; call only when {@link #matches(String)}. */
    static Topic parse(String topic) {
        Matcher m = NAME.matcher(topic);
        if (!m.matches()) {
            throw new IllegalArgumentException(topic + " is not a Seldon model topic");
        }
        return new Topic(m.group(1), m.group(2), m.group(3).equals("outputs"));
    }

    /** A Seldon model topic: its namespace and model, and whether it carries responses. */
    record Topic(String namespace, String model, boolean outputs) {}
}
