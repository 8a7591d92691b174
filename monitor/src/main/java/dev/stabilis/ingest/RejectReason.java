package dev.stabilis.ingest;

/** Why a payload was rejected; the names are the {@code reason} values of dead-letter records. */
public enum RejectReason {
    /** Not parseable JSON. */
    MALFORMED_JSON,
    /** JSON, but none of the accepted payload forms. */
    UNKNOWN_FORMAT,
    /** A tensor datatype the model cannot take (BOOL, BYTES, ...). */
    UNSUPPORTED_DATATYPE,
    /** Declared shape and data disagree, or rows do not fit the model input. */
    SHAPE_MISMATCH,
    /** NaN or infinite values. */
    NON_FINITE,
    /** Larger than the configured limit. */
    TOO_LARGE,
    /** No samples. */
    EMPTY
}
