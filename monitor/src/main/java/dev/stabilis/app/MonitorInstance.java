package dev.stabilis.app;

import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The monitor's static group membership: {@code stabilis.monitor.instance.id}, or the host name and {@code -monitor}
 * when it is empty. Each monitor process of one deployment needs its own (a Kubernetes pod's host name is its name).
 */
final class MonitorInstance {

    static final String KEY = "stabilis.monitor.instance.id";

    /** What Kafka accepts as a {@code group.instance.id}, less the room Kafka Streams needs for its thread suffix. */
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private MonitorInstance() {}

    /**
     * @throws ConfigException naming the key when the value (or the host name) cannot be a group instance id
     */
    static String id(StabilisConfig config) {
        String configured = config.text(KEY).trim();
        String id = configured.isEmpty() ? hostName() + "-monitor" : configured;
        if (!VALID.matcher(id).matches()) {
            throw new ConfigException("setting '" + KEY + "' must be 1 to 200 letters, digits, '.', '_' or '-', got '" + id + "'"
                    + (configured.isEmpty() ? " (from the host name; set it explicitly)" : ""));
        }
        return id;
    }

    private static String hostName() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.trim().toLowerCase(Locale.ROOT);
        }
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (UnknownHostException e) {
            throw new ConfigException("setting '" + KEY + "' is empty and the host name is unknown (" + e.getMessage() + "); set it");
        }
    }
}
