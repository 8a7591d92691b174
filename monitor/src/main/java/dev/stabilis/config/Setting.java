package dev.stabilis.config;

/**
 * One documented setting of the {@code monitor}, {@code runner} and {@code demo} processes.
 *
 * @param key the property name, as in the configuration file
 * @param defaultValue the value when neither file nor environment sets it (empty for none)
 * @param description what it does
 */
public record Setting(String key, String defaultValue, String description) {

    /** The environment variable that sets it: {@code STABILIS_} and the key in upper case with {@code _} for {@code .}. */
    public String environmentVariable() {
        String name = key.startsWith("stabilis.") ? key.substring("stabilis.".length()) : key;
        return "STABILIS_" + name.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }
}
