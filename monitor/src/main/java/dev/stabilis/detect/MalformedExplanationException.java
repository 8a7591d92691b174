package dev.stabilis.detect;

/** An explanation record that is not valid JSON or misses a required field; its message is the DLQ detail. */
final class MalformedExplanationException extends RuntimeException {

    MalformedExplanationException(String detail) {
        super(detail);
    }
}
