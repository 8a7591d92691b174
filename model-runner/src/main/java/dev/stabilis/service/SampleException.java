package dev.stabilis.service;

/** A sample the runner cannot explain; its {@code reason} goes into the dead-letter record. */
public final class SampleException extends RuntimeException {

    private final String reason;

    public SampleException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SampleException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Machine-readable reason, for example {@code MALFORMED_SAMPLE} or {@code MODEL_UNAVAILABLE}. */
    public String reason() {
        return reason;
    }
}
