package dev.stabilis.app;

/** Topics a process needs are not on the cluster; the message names them and their setting keys. */
public final class MissingTopicsException extends IllegalStateException {

    public MissingTopicsException(String message) {
        super(message);
    }
}
