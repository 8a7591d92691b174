package dev.stabilis.detect;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The value written to the dead-letter topic for an explanation record that cannot be read; the original bytes
 * travel Base64-encoded and the original key and headers on the record itself. Field names are those of the
 * ingest topology's dead letters.
 *
 * @param timestamp the original record's timestamp, epoch milliseconds
 * @param originalBase64 the original value, or null for a record without value
 */
@JsonPropertyOrder({"reason", "detail", "sourceTopic", "partition", "offset", "timestamp", "originalBase64"})
record DeadLetter(String reason, String detail, String sourceTopic, Integer partition, Long offset, long timestamp,
                  String originalBase64) {

    /** The only reason the detect topology dead-letters a record. */
    static final String MALFORMED_EXPLANATION = "MALFORMED_EXPLANATION";
}
