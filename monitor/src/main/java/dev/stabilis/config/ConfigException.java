package dev.stabilis.config;

/** Invalid configuration, found at start; the message names the setting. */
public final class ConfigException extends IllegalArgumentException {

    public ConfigException(String message) {
        super(message);
    }
}
