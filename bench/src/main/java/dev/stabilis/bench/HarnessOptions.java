package dev.stabilis.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The harnesses' command line: {@code --name value} pairs, by name without the dashes. */
final class HarnessOptions {

    private HarnessOptions() {}

    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return opts;
    }
}
