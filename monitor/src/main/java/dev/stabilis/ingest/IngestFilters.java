package dev.stabilis.ingest;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which records on a shared topic are Stabilis' to judge, and which model version an endpoint serves.
 *
 * <p>Keys of {@link #from(Map)}: {@value #MODELS} (comma-separated model names; empty: every model),
 * {@value #EVENT_TYPES} (comma-separated CloudEvent types; default KServe's request and response types; {@code *}:
 * every type, so that foreign events are dead-lettered as {@code UNKNOWN_EVENT_TYPE}) and {@value #VERSIONS}
 * (comma-separated {@code <model>/<endpoint>=<version>}, e.g. {@code digits/default=1,digits/canary=2}: a request
 * that names no version takes the version of the endpoint that served it, KServe's {@code ce_endpoint}).
 *
 * <p>A record of another model or an event of another type is <em>skipped</em>: not a sample, not a dead letter, but
 * counted ({@code stabilis_ingest_skipped_total{reason}}), because on a shared topic other models' traffic and
 * Knative's own events are expected, not bad.
 *
 * @param models the models to judge; empty for every model
 * @param eventTypes the CloudEvent types to read; empty for every type
 * @param versions the version each {@code <model>/<endpoint>} serves
 * @param seldon the Seldon Core 2 model topics to read besides the requests (and responses) topic
 */
public record IngestFilters(Set<String> models, Set<String> eventTypes, Map<String, String> versions, SeldonTopics seldon) {

    public static final String MODELS = "stabilis.ingest.models";
    public static final String EVENT_TYPES = "stabilis.ingest.cloudevent.types";
    public static final String VERSIONS = "stabilis.ingest.versions";

    /** KServe's payload-logger event types, the default of {@value #EVENT_TYPES}. */
    public static final String KSERVE_TYPES = CloudEvent.Type.REQUEST.value() + "," + CloudEvent.Type.RESPONSE.value();

    public IngestFilters {
        models = Set.copyOf(models);
        eventTypes = Set.copyOf(eventTypes);
        versions = Map.copyOf(versions);
    }

    /** The defaults: every model, KServe's event types, no endpoint mapping. */
    public static IngestFilters defaults() {
        return from(Map.of());
    }

    /** Reads the keys above; other keys are ignored. */
    public static IngestFilters from(Map<?, ?> properties) {
        Set<String> types = list(properties, EVENT_TYPES, KSERVE_TYPES);
        if (types.contains("*")) {
            if (types.size() > 1) {
                throw new IllegalArgumentException(EVENT_TYPES + " is either * or a list of types, got " + types);
            }
            types = Set.of();
        }
        Map<String, String> versions = new LinkedHashMap<>();
        for (String entry : list(properties, VERSIONS, "")) {
            String[] parts = entry.split("=", 2);
            if (parts.length != 2 || !parts[0].matches("[^/=]+/[^/=]+") || parts[1].isBlank()) {
                throw new IllegalArgumentException(VERSIONS + " expects <model>/<endpoint>=<version> entries, got '" + entry + "'");
            }
            versions.put(parts[0].trim(), parts[1].trim());
        }
        Object seldon = properties.get(SeldonTopics.PATTERN);
        return new IngestFilters(list(properties, MODELS, ""), types, versions, SeldonTopics.from(seldon == null ? null : seldon.toString()));
    }

    /** Whether records of this model are judged. */
    boolean judges(String model) {
        return models.isEmpty() || models.contains(model);
    }

    /** Whether events of this type are read. */
    boolean reads(String eventType) {
        return eventTypes.isEmpty() || eventTypes.contains(eventType);
    }

    /** The version an endpoint of a model serves, or null when unmapped. */
    String version(String model, String endpoint) {
        return model == null || endpoint == null ? null : versions.get(model + "/" + endpoint);
    }

    private static Set<String> list(Map<?, ?> properties, String key, String fallback) {
        Object value = properties.get(key);
        Set<String> out = new LinkedHashSet<>();
        for (String item : (value == null ? fallback : value.toString()).split(",")) {
            if (!item.isBlank()) {
                out.add(item.trim());
            }
        }
        return out;
    }
}
