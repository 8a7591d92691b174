package dev.stabilis.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads durations written as {@code 500ms}, {@code 10s}, {@code 2m} or {@code 1h} (a bare number is seconds). */
final class DurationOption {

    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private DurationOption() {}

    static long millis(String option, String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " expects a duration like 500ms, 10s, 2m or 1h, got '" + value + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
    }
}
