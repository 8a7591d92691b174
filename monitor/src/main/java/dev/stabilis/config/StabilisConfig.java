package dev.stabilis.config;

import dev.stabilis.service.ClassLabels;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The configuration of a Stabilis process: defaults, then a properties file, then environment variables, then
 * command-line overrides, each replacing the one before. {@code kafka.*} keys pass through to every Kafka client
 * (bootstrap servers, security); {@code stabilis.detect.*} keys go to the detect topology, which checks them;
 * every other key must be one of {@link #SETTINGS}, so a typo fails at start with a message naming it. Values that hold secrets are never printed.
 */
public final class StabilisConfig {

    /** Every setting besides {@code kafka.*}, with its default. */
    public static final List<Setting> SETTINGS = List.of(
            new Setting("kafka.bootstrap.servers", "127.0.0.1:9092", "Kafka bootstrap servers; other kafka.* keys (security.protocol, "
                    + "sasl.*, ssl.*) pass through to every Kafka client"),
            new Setting("stabilis.topics.requests", "inference-requests", "Inference request logs (KServe CloudEvents, OIP V2, V1, plain)"),
            new Setting("stabilis.topics.responses", "inference-responses", "Inference responses, joined to requests by id (may equal requests)"),
            new Setting("stabilis.topics.samples", "stabilis.samples", "Validated samples, keyed by model"),
            new Setting("stabilis.topics.explanations", "stabilis.explanations", "Explanations, certificates and attack metrics per sample"),
            new Setting("stabilis.topics.alerts", "stabilis.alerts", "Alerts"),
            new Setting("stabilis.topics.dlq", "stabilis.dlq", "Dead letters, with the original bytes, headers and a reason"),
            new Setting("stabilis.topics.partitions", "3", "Partitions of the topics `stabilis topics create` makes"),
            new Setting("stabilis.topics.replication.factor", "0", "Their replication factor; 0 takes the broker's default.replication.factor"),
            new Setting("stabilis.topics.config", "", "Their topic configs, comma-separated key=value (e.g. retention.ms=604800000)"),
            new Setting("stabilis.models.repository", "models", "Model repository root: <root>/<name>/<version>/model.onnx + stabilis.yaml"),
            new Setting("stabilis.metrics.host", "127.0.0.1", "Address of the /metrics, /health and /ready endpoints (0.0.0.0 in containers)"),
            new Setting("stabilis.metrics.port", "9404", "Port of those endpoints; the runner's default is 9405, so that a monitor "
                    + "and a runner can share a host"),
            new Setting("stabilis.ingest.max.payload.bytes", "524288", "Larger request values go to the DLQ as TOO_LARGE"),
            new Setting("stabilis.ingest.max.header.bytes", "32768", "Records with larger headers (names + values) go to the DLQ as TOO_LARGE"),
            new Setting("stabilis.ingest.models", "", "Models to judge, comma-separated; records of others are skipped and counted (empty: all)"),
            new Setting("stabilis.ingest.cloudevent.types", "org.kubeflow.serving.inference.request,org.kubeflow.serving.inference.response",
                    "CloudEvent types to read; events of others are skipped and counted (*: read all, dead-letter the unknown)"),
            new Setting("stabilis.ingest.versions", "", "Version served by each endpoint, <model>/<endpoint>=<version>,... (KServe ce_endpoint)"),
            new Setting("stabilis.ingest.seldon.topic.pattern", "", "Regex of Seldon Core 2 model topics (seldon.<ns>.model.<model>.inputs/outputs) to read as OIP protobuf"),
            new Setting("stabilis.ingest.join.enabled", "true", "Whether samples wait (up to the window) for their response"),
            new Setting("stabilis.ingest.join.window.ms", "5000", "Largest request/response time difference that still joins"),
            new Setting("stabilis.ingest.join.grace.ms", "1000", "Grace for out-of-order request/response records"),
            new Setting("stabilis.ingest.dedup.retention.ms", "", "How long a request id that gave a sample keeps later requests "
                    + "with that id out (stream time; at least the join's hold, 23000 with the default window); default 300000, "
                    + "or the hold when that is longer"),
            new Setting("stabilis.runner.device", "auto", "auto, cpu, gpu or gpu:N"),
            new Setting("stabilis.runner.torch.threads", "1", "PyTorch intra-op threads of a runner's larger passes; 0 keeps the "
                    + "engine's default (one per core). Passes under 64 million multiply-adds run on one thread whatever the setting "
                    + "(BENCHMARKS.md, \"Threads per pass\"): scale out with more runners and partitions instead"),
            new Setting("stabilis.runner.max.batch", "256", "Most samples per micro-batch"),
            new Setting("stabilis.runner.max.wait.ms", "50", "The longest a micro-batch waits to fill after its first sample; it "
                    + "waits only while the measured arrival rate expects another sample within it"),
            new Setting("stabilis.runner.group.id", "stabilis-runner", "Consumer group of the runners"),
            new Setting("stabilis.runner.transactional.id", "stabilis-runner-0", "Transactional id, unique per runner instance"),
            new Setting("stabilis.runner.include.attributions", "true", "Whether explanation records carry the attribution vectors"),
            new Setting("stabilis.runner.explanation.max.bytes", "900000", "Largest explanation record; a larger one (the vectors "
                    + "of a big image model) is written without its per-feature vectors and says so in vectorsOmitted. Keep it under "
                    + "the producer's max.request.size and the topic's max.message.bytes (1 MiB by default)"),
            new Setting("stabilis.runner.position.timeout.ms", "60000", "How long a partition of the runner may stay without a "
                    + "consumer position (its group's committed offsets held by a transaction that never completes) before the "
                    + "runner logs an error, reports not ready and counts it in stabilis_runner_partitions_without_position"),
            new Setting("stabilis.runner.certify", "true", "Whether to compute certified bounds and certificates"),
            new Setting("stabilis.runner.radius", "true", "Whether to search each sample's certified radius"),
            new Setting("stabilis.runner.attack", "true", "Whether to run the policy's attack, noise baseline and thickness"),
            new Setting("stabilis.runner.curvature.iterations", "20", "Power iterations of the curvature estimate; 0 turns it off"),
            new Setting("stabilis.runner.pass.memory.mb", "1024", "Memory one attribution or certificate bound pass of a model may take "
                    + "(MiB); with the model's graph it sets the rows per pass"),
            new Setting("stabilis.runner.models.open", "8", "Most model versions a runner keeps loaded"),
            new Setting("stabilis.runner.model.retry.ms", "30000", "How long a model that failed to load is not retried"),
            new Setting("stabilis.runner.models.watch", "poll", "How the runner notices changed and new model versions: poll, "
                    + "events (file system events) or off"),
            new Setting("stabilis.runner.models.poll.ms", "5000", "How often the runner looks at the model repository when polling"),
            new Setting("stabilis.runner.metrics.class.label", "all", "The class label of the runner's per-sample meters: all, "
                    + "none (dropped) or first:N (the first N classes seen of each model; later ones as class=\"other\")"),
            new Setting("stabilis.monitor.metrics.class.label", "all", "The class label of the monitor's window and drift gauges "
                    + "and of stabilis_alerts_total, by the same rule: all, none or first:N"),
            new Setting("stabilis.monitor.application.id", "stabilis", "Prefix of the Kafka Streams application ids (-ingest, -detect)"),
            new Setting("stabilis.monitor.instance.id", "", "Static group membership (group.instance.id) of the monitor, unique "
                    + "per monitor process; default: <host name>-monitor"),
            new Setting("stabilis.monitor.rocksdb.memory.bytes", "268435456", "Off-heap memory of all the monitor's RocksDB state "
                    + "stores together (block cache, index and filter blocks, memtables); at least 16777216"),
            new Setting("stabilis.monitor.state.dir", "", "Kafka Streams state directory (default: a directory under java.io.tmpdir)"));

    /**
     * Names that look like secrets, whether Kafka knows the key or not (a misspelt {@code ssl.keystore.passwd} too):
     * passwords and passphrases, secrets, tokens, JAAS lines, credentials, private keys and key material. A harmless
     * key caught by it (a token endpoint URL) is only hidden, never lost.
     */
    private static final Pattern SECRET = Pattern.compile(
            "(?i)pass|pwd|secret|token|jaas|credential|private|api[._-]?key|key[._-]?material|(^|[._-])pem($|[._-])|\\.key$");

    /** Client settings Kafka itself types as passwords, such as ssl.keystore.key and sasl.oauthbearer.assertion.private.key.passphrase. */
    private static final Set<String> KAFKA_PASSWORDS = Stream.of(ProducerConfig.configDef(), ConsumerConfig.configDef(),
                    AdminClientConfig.configDef())
            .flatMap(def -> def.configKeys().values().stream())
            .filter(key -> key.type == ConfigDef.Type.PASSWORD)
            .map(key -> key.name)
            .collect(Collectors.toUnmodifiableSet());

    private final Map<String, String> values;

    private StabilisConfig(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Loads and checks the configuration.
     *
     * @param file a properties file, or null
     * @param environment the process environment ({@code STABILIS_*} variables are read)
     * @param commandDefaults defaults of the command being run (the demo's, for example), under the file
     * @param overrides values from the command line
     * @throws ConfigException naming the key of an unknown or unreadable setting
     */
    public static StabilisConfig load(Path file, Map<String, String> environment, Map<String, String> commandDefaults,
            Map<String, String> overrides) {
        Map<String, String> values = new TreeMap<>();
        for (Setting s : SETTINGS) {
            values.put(s.key(), s.defaultValue());
        }
        values.putAll(commandDefaults);
        if (file != null) {
            values.putAll(readFile(file));
        }
        environment.forEach((name, value) -> {
            if (name.startsWith("STABILIS_")) {
                values.put(keyOf(name), value);
            }
        });
        values.putAll(overrides);
        Map<String, Setting> known = new HashMap<>();
        SETTINGS.forEach(s -> known.put(s.key(), s));
        for (String key : values.keySet()) {
            if (!key.startsWith("kafka.") && !key.startsWith("stabilis.detect.") && !known.containsKey(key)) {
                throw new ConfigException("unknown setting '" + key + "'" + (file == null ? "" : " (from " + file + " or the environment)"));
            }
        }
        return new StabilisConfig(values);
    }

    private static Map<String, String> readFile(Path file) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new ConfigException("cannot read the configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new HashMap<>();
        props.stringPropertyNames().forEach(k -> out.put(k.trim(), props.getProperty(k).trim()));
        return out;
    }

    /** {@code STABILIS_RUNNER_MAX_BATCH} → {@code stabilis.runner.max.batch}; {@code STABILIS_KAFKA_X} → {@code kafka.x}. */
    static String keyOf(String variable) {
        String rest = variable.substring("STABILIS_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
        return rest.startsWith("kafka.") ? rest : "stabilis." + rest;
    }

    /** A setting's value (possibly empty). */
    public String text(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new ConfigException("setting '" + key + "' is not defined");
        }
        return value;
    }

    /** A setting that must not be empty. */
    public String required(String key) {
        String value = text(key);
        if (value.isBlank()) {
            throw new ConfigException("setting '" + key + "' must not be empty");
        }
        return value;
    }

    /** An integer setting within {@code [min, max]}. */
    public int integer(String key, int min, int max) {
        long value = number(key);
        if (value < min || value > max) {
            throw new ConfigException("setting '" + key + "' must be between " + min + " and " + max + ", got " + value);
        }
        return (int) value;
    }

    /** A non-negative whole number. */
    public long number(String key) {
        try {
            long value = Long.parseLong(required(key));
            if (value < 0) {
                throw new ConfigException("setting '" + key + "' must not be negative, got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException("setting '" + key + "' must be a whole number, got '" + text(key) + "'");
        }
    }

    /** {@code true} or {@code false}. */
    public boolean flag(String key) {
        String value = required(key);
        if (!value.equals("true") && !value.equals("false")) {
            throw new ConfigException("setting '" + key + "' must be true or false, got '" + value + "'");
        }
        return value.equals("true");
    }

    /** A {@link ClassLabels} rule: {@code all}, {@code none} or {@code first:N}. */
    public ClassLabels classLabels(String key) {
        try {
            return ClassLabels.parse(required(key));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("setting '" + key + "' " + e.getMessage());
        }
    }

    /** A directory that exists. */
    public Path directory(String key) {
        Path dir = Path.of(required(key));
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("setting '" + key + "': " + dir.toAbsolutePath() + " is not a directory");
        }
        return dir;
    }

    /** Every setting whose key starts with {@code prefix}, keys unchanged. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The Kafka client settings: every {@code kafka.*} key without its prefix. */
    public Map<String, String> kafka() {
        Map<String, String> out = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("kafka.")) {
                out.put(k.substring("kafka.".length()), v);
            }
        });
        return out;
    }

    /** The effective configuration for logs, with secret values replaced by {@code ***}. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> out.append(k).append('=').append(isSecret(k) ? "***" : v).append('\n'));
        return out.toString();
    }

    /** Whether a key's value is a secret: its name says so, or Kafka types it as a password (also behind a client prefix). */
    static boolean isSecret(String key) {
        if (SECRET.matcher(key).find()) {
            return true;
        }
        if (!key.startsWith("kafka.")) {
            return false;
        }
        for (String rest = key.substring("kafka.".length()); ; rest = rest.substring(rest.indexOf('.') + 1)) {
            if (KAFKA_PASSWORDS.contains(rest)) {
                return true;
            }
            if (rest.indexOf('.') < 0) {
                return false;
            }
        }
    }
}
