package dev.stabilis.detect;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How urgent an alert is; written in lower case. */
public enum Severity {
    WARNING,
    CRITICAL;

    @JsonValue
    String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
