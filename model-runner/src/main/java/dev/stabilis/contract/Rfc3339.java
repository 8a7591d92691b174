package dev.stabilis.contract;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;

/** Times of the alert contract: RFC 3339 in UTC with millisecond precision, as Alertmanager and CloudEvents write them. */
public final class Rfc3339 {

    private Rfc3339() {}

    /** Epoch milliseconds as RFC 3339, e.g. {@code 2025-11-24T16:00:00.250Z}. */
    public static String of(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** Epoch milliseconds of an RFC 3339 time (any offset). */
    public static long millis(String time) {
        try {
            return OffsetDateTime.parse(time).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            throw new ContractException("'" + time + "' is not an RFC 3339 time");
        }
    }
}
