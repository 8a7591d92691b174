package dev.stabilis.ingest;

/** A rejected payload, with the reason code and a human-readable message. */
public class PayloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final RejectReason reason;

    public PayloadException(RejectReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
