package dev.stabilis.cli;

/** Process exit codes of the {@code stabilis} command, documented in the README. */
public final class ExitCodes {

    /** Success. */
    public static final int OK = 0;
    /** An unexpected internal error. */
    public static final int INTERNAL = 1;
    /** Invalid command-line usage (picocli's code). */
    public static final int USAGE = 2;
    /** The input payload was rejected. */
    public static final int BAD_INPUT = 3;
    /** The model or its policy could not be loaded. */
    public static final int BAD_MODEL = 4;
    /** Topics the process needs are missing on the cluster ({@code stabilis topics create} makes them). */
    public static final int MISSING_TOPICS = 5;

    private ExitCodes() {}
}
