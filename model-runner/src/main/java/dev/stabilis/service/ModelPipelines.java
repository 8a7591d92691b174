package dev.stabilis.service;

import ai.djl.Device;
import dev.stabilis.model.ModelRepository;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's loaded model versions, opened on first use from the repository and kept in least-recently-used
 * order. {@code latest} is resolved against the repository on every lookup, so a new version is picked up
 * without a restart. A version that fails to load is logged, counted ({@code stabilis_model_load_failures_total})
 * and remembered for a while, so its samples go to the dead-letter topic quickly instead of retrying the load
 * for each batch; other models are unaffected.
 */
public final class ModelPipelines implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPipelines.class);

    private final ModelRepository repository;
    private final Device device;
    private final PipelineOptions options;
    private final int capacity;
    private final long retryNanos;
    private final LongSupplier nanoTime;
    private final RunnerMetrics metrics;
    private final LinkedHashMap<String, ModelPipeline> open = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Failure> failures = new LinkedHashMap<>();

    private record Failure(String message, long at) {}

    /**
     * @param capacity most model versions kept open at once
     * @param retryMillis how long a failed load is remembered before it is tried again
     */
    public ModelPipelines(ModelRepository repository, Device device, PipelineOptions options, int capacity, long retryMillis,
            LongSupplier nanoTime, RunnerMetrics metrics) {
        this.repository = repository;
        this.device = device;
        this.options = options;
        this.capacity = capacity;
        this.retryNanos = retryMillis * 1_000_000L;
        this.nanoTime = nanoTime;
        this.metrics = metrics;
    }

    /**
     * The pipeline of a model version.
     *
     * @throws SampleException {@code UNKNOWN_MODEL} when the repository has no such version,
     *     {@code MODEL_UNAVAILABLE} when it fails to load
     */
    public ModelPipeline get(String name, String version) {
        String resolved = resolve(name, version);
        String key = name + "/" + resolved;
        ModelPipeline pipeline = open.get(key);
        if (pipeline != null) {
            return pipeline;
        }
        Failure failure = failures.get(key);
        if (failure != null && nanoTime.getAsLong() - failure.at() < retryNanos) {
            throw new SampleException("MODEL_UNAVAILABLE", failure.message());
        }
        try {
            pipeline = new ModelPipeline(repository.load(name, resolved, device), options);
        } catch (RuntimeException e) {
            String message = "model " + key + " failed to load: " + e.getMessage();
            failures.put(key, new Failure(message, nanoTime.getAsLong()));
            metrics.modelLoadFailed(name, resolved);
            LOG.error("{}; its samples go to the dead-letter topic as MODEL_UNAVAILABLE, next try in {} ms", message,
                    retryNanos / 1_000_000L);
            throw new SampleException("MODEL_UNAVAILABLE", message, e);
        }
        failures.remove(key);
        open.put(key, pipeline);
        evictBeyondCapacity();
        return pipeline;
    }

    private String resolve(String name, String version) {
        List<String> versions;
        try {
            versions = repository.versions(name);
        } catch (RuntimeException e) {
            throw new SampleException("UNKNOWN_MODEL", e.getMessage(), e);
        }
        if (versions.isEmpty()) {
            throw new SampleException("UNKNOWN_MODEL", "the model repository has no model '" + name + "'");
        }
        if (version.equals("latest")) {
            return versions.get(versions.size() - 1);
        }
        if (!versions.contains(version)) {
            throw new SampleException("UNKNOWN_MODEL", "model '" + name + "' has no version '" + version + "'");
        }
        return version;
    }

    private void evictBeyondCapacity() {
        Iterator<Map.Entry<String, ModelPipeline>> eldest = open.entrySet().iterator();
        while (open.size() > capacity && eldest.hasNext()) {
            eldest.next().getValue().close();
            eldest.remove();
        }
    }

    @Override
    public void close() {
        open.values().forEach(ModelPipeline::close);
        open.clear();
    }
}
