package dev.stabilis.app;

import dev.stabilis.config.StabilisConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** The topics a Stabilis deployment reads and writes, and their creation where they are missing. */
public final class Topics {

    private Topics() {}

    /** Every configured topic name, requests first. */
    public static List<String> all(StabilisConfig config) {
        Set<String> names = new LinkedHashSet<>();
        for (String key : List.of("requests", "responses", "samples", "explanations", "alerts", "dlq")) {
            names.add(config.required("stabilis.topics." + key));
        }
        return List.copyOf(names);
    }

    /** Creates the missing ones with the given partitions and replication factor. */
    public static void create(Map<String, String> kafka, List<String> names, int partitions, short replication) {
        try (Admin admin = Admin.create(new java.util.HashMap<>(kafka))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String name : names) {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, partitions, replication));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topics " + names + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}
