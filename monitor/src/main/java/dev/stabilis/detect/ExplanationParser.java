package dev.stabilis.detect;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;

/**
 * Reads an explanation record from its JSON bytes. Unknown fields are ignored, so the runner may add fields;
 * the identifying fields ({@code requestId}, {@code index}, {@code model}, {@code version}, {@code eventTime},
 * {@code predicted}) and the verdicts ({@code certificate.topk}, {@code empirical.success}) are required.
 */
final class ExplanationParser {

    /** Parses one record, or throws {@link MalformedExplanationException} naming what is wrong. */
    Explanation parse(byte[] bytes) {
        if (bytes == null) {
            throw new MalformedExplanationException("record has no value");
        }
        Explanation e;
        try {
            e = DetectJson.MAPPER.readValue(bytes, Explanation.class);
        } catch (JsonProcessingException ex) {
            throw new MalformedExplanationException("not a valid explanation JSON object: " + ex.getOriginalMessage());
        } catch (IOException ex) {
            throw new MalformedExplanationException("unreadable explanation: " + ex.getMessage());
        }
        if (e == null) {
            throw new MalformedExplanationException("record is JSON null");
        }
        require(e.requestId(), "requestId");
        require(e.index(), "index");
        require(e.model(), "model");
        require(e.version(), "version");
        require(e.eventTime(), "eventTime");
        require(e.predicted(), "predicted");
        if (e.certificate() != null) {
            require(e.certificate().topk(), "certificate.topk");
        }
        if (e.empirical() != null) {
            require(e.empirical().success(), "empirical.success");
        }
        return e;
    }

    private static void require(Object value, String field) {
        if (value == null) {
            throw new MalformedExplanationException("missing required field '" + field + "'");
        }
    }
}
