package dev.stabilis.app;

import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.ingest.IngestConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The topics a Stabilis deployment reads and writes: which of them each process needs, which are missing on the
 * cluster, and their creation with the partitions, replication factor and topic configs of the settings
 * ({@value #PARTITIONS}, {@value #REPLICATION}, {@value #CONFIGS}). Kafka Streams creates its own internal topics.
 */
public final class Topics {

    public static final String PARTITIONS = "stabilis.topics.partitions";
    public static final String REPLICATION = "stabilis.topics.replication.factor";
    public static final String CONFIGS = "stabilis.topics.config";

    private static final List<String> KEYS = List.of("requests", "responses", "samples", "explanations", "alerts", "dlq");

    private Topics() {}

    /** Every configured topic name, requests first. */
    public static List<String> all(StabilisConfig config) {
        return List.copyOf(new LinkedHashSet<>(byKey(config).values()));
    }

    /** Every configured topic name by its setting key, requests first. */
    private static Map<String, String> byKey(StabilisConfig config) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (String key : KEYS) {
            byKey.put("stabilis.topics." + key, config.required("stabilis.topics." + key));
        }
        return byKey;
    }

    /** The topics the monitor reads and writes, by setting key: the responses topic only while it joins. */
    public static Map<String, String> monitor(StabilisConfig config, IngestConfig ingest) {
        Map<String, String> topics = byKey(config);
        if (!ingest.sourceTopics().contains(topics.get(IngestConfig.RESPONSES_TOPIC))) {
            topics.remove(IngestConfig.RESPONSES_TOPIC);
        }
        return topics;
    }

    /** The topics the runner reads and writes, by setting key. */
    public static Map<String, String> runner(StabilisConfig config) {
        Map<String, String> topics = new LinkedHashMap<>();
        for (String key : List.of("samples", "explanations", "dlq")) {
            topics.put("stabilis.topics." + key, config.required("stabilis.topics." + key));
        }
        return topics;
    }

    /** The topics of {@code wanted} (name by setting key) that the cluster does not have, or this client may not see. */
    public static Map<String, String> missing(Map<String, String> kafka, Map<String, String> wanted) {
        Set<String> existing = existing(kafka);
        Map<String, String> missing = new LinkedHashMap<>();
        wanted.forEach((key, name) -> {
            if (!existing.contains(name)) {
                missing.put(key, name);
            }
        });
        return missing;
    }

    /**
     * Fails with a {@link MissingTopicsException} naming every missing topic, so a process stops at start instead of
     * retrying for ever.
     */
    public static void requireExisting(Map<String, String> kafka, Map<String, String> wanted, String process) {
        Map<String, String> missing = missing(kafka, wanted);
        if (!missing.isEmpty()) {
            List<String> named = new ArrayList<>();
            missing.forEach((key, name) -> named.add("'" + name + "' (" + key + ")"));
            throw new MissingTopicsException("the " + process + " needs topic" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", named) + ", which the cluster at " + kafka.get("bootstrap.servers")
                    + " does not have (or this client may not describe); create them with `stabilis topics create` "
                    + "or your Kafka operator (helm/examples/strimzi)");
        }
    }

    /** Creates the missing ones of {@code names} as the settings say; returns the names it created. */
    public static List<String> create(StabilisConfig config, List<String> names) {
        int partitions = config.integer(PARTITIONS, 1, 100_000);
        int replication = config.integer(REPLICATION, 0, Short.MAX_VALUE);
        return create(config.kafka(), names, partitions, (short) replication, configs(config));
    }

    /** Creates the missing ones with the given partitions and replication factor and no topic configs. */
    public static List<String> create(Map<String, String> kafka, List<String> names, int partitions, short replication) {
        return create(kafka, names, partitions, replication, Map.of());
    }

    /**
     * Creates the missing ones.
     *
     * @param replication the replication factor; 0 for the broker's {@code default.replication.factor}
     * @return the names it created
     */
    public static List<String> create(Map<String, String> kafka, List<String> names, int partitions, short replication,
            Map<String, String> topicConfigs) {
        try (Admin admin = Admin.create(new HashMap<>(kafka))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String name : new LinkedHashSet<>(names)) {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, Optional.of(partitions),
                            replication == 0 ? Optional.empty() : Optional.of(replication)).configs(topicConfigs));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return List.of();
            }
            throw new IllegalStateException("cannot create topics " + names + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /** {@value #CONFIGS}: comma-separated {@code key=value} topic configs, e.g. {@code retention.ms=604800000}. */
    static Map<String, String> configs(StabilisConfig config) {
        Map<String, String> configs = new LinkedHashMap<>();
        for (String entry : config.text(CONFIGS).split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("setting '" + CONFIGS + "' expects key=value pairs separated by commas, got '" + entry.trim() + "'");
            }
            configs.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return configs;
    }

    private static Set<String> existing(Map<String, String> kafka) {
        try (Admin admin = Admin.create(new HashMap<>(kafka))) {
            return admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the topics at " + kafka.get("bootstrap.servers") + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }
}
