package dev.stabilis.cli;

import dev.stabilis.config.StabilisConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options of the long-running commands: a configuration file and single-setting overrides. */
final class ProcessOptions {

    @Option(names = "--config", paramLabel = "<file.properties>",
            description = "Configuration file (Java properties). Environment variables STABILIS_* override it; --set overrides both.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one setting, for example --set stabilis.metrics.port=9405.")
    List<String> overrides = List.of();

    /** The checked configuration, with these command-specific defaults under the user's settings. */
    StabilisConfig load(Map<String, String> commandDefaults) {
        Map<String, String> merged = new LinkedHashMap<>();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set expects KEY=VALUE, got '" + override + "'");
            }
            merged.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return StabilisConfig.load(config, System.getenv(), commandDefaults, merged);
    }
}
