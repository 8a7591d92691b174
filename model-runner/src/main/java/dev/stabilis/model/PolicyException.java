package dev.stabilis.model;

/** An invalid policy file or model repository entry; the message names the file and the key. */
public class PolicyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
