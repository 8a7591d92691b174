package dev.stabilis.ingest;

/** Why a record was rejected; the names are the {@code reason} values of dead-letter records. */
public enum RejectReason {
    /** Not parseable JSON. */
    MALFORMED_JSON,
    /** Bytes on a Seldon topic that are no Open Inference Protocol protobuf message. */
    MALFORMED_PROTOBUF,
    /** JSON, but none of the accepted payload forms. */
    UNKNOWN_FORMAT,
    /** A tensor datatype the model cannot take (BOOL, BYTES, ...), or values that do not fit their declared integer datatype. */
    UNSUPPORTED_DATATYPE,
    /** Declared shape and data disagree, or rows do not fit the model input. */
    SHAPE_MISMATCH,
    /** NaN or infinite values. */
    NON_FINITE,
    /** A value outside the input domain of the model's policy ({@code domain.min}/{@code .max}); the detail names the feature and the value. */
    OUT_OF_DOMAIN,
    /** A value or headers larger than the configured limits. */
    TOO_LARGE,
    /** No samples, or no JSON document at all (an empty or blank value, a tombstone). */
    EMPTY,
    /** The record names no model, or one the model repository does not hold. */
    UNKNOWN_MODEL,
    /** The model exists, but not the version the record names. */
    UNKNOWN_VERSION,
    /** The model version exists in the repository but its input cannot be read (a broken repository entry). */
    MODEL_UNAVAILABLE,
    /** A CloudEvent whose {@code type} is not an inference request or response. */
    UNKNOWN_EVENT_TYPE,
    /** A CloudEvent without a required attribute ({@code specversion}, {@code id}, {@code type}, {@code source}), or a response without an id. */
    MISSING_ATTRIBUTE,
    /**
     * A CloudEvent attribute with an invalid value (spec version other than 1.0, a time that is not RFC 3339, a
     * header that is not UTF-8, ...), or an id, model or version field that is no string or number, or an id that
     * is too long.
     */
    INVALID_ATTRIBUTE,
    /** A response for which no valid request with the same id arrived within the join window. */
    UNMATCHED_RESPONSE,
    /** An unexpected failure while processing the record; the detail names the exception. */
    INTERNAL
}
