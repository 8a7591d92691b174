package dev.stabilis.service;

import ai.djl.Device;
import dev.stabilis.model.ModelRepository;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
 *
 * <p><b>Hot reload with fallback.</b> {@link #refresh()} compares the files of every loaded version with those it
 * was loaded from ({@link ModelRepository#revision}) and loads the new versions of the models in use. A changed or
 * new version is validated (its policy read and checked against the model, the model loaded, its pipeline built)
 * before it serves. When that fails, the last good version keeps serving: the loaded files of that very version, or,
 * for a version that never loaded, the newest loaded version of the same model, whose label the explanation record
 * then carries. The failure is logged at ERROR once per revision of the files, counted, and flagged by the gauge
 * {@code stabilis_model_version_rejected} until files that load replace them.
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
    private final LinkedHashMap<String, Served> open = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Failure> failures = new LinkedHashMap<>();
    private final Map<String, String> rejected = new HashMap<>();

    /** A loaded version and the revision of the files it was loaded from. */
    private record Served(ModelPipeline pipeline, String revision) {}

    /** Why a version failed to load, when, and from which revision of its files. */
    private record Failure(String message, long at, String revision) {}

    /**
     * @param capacity most model versions kept open at once
     * @param retryMillis how long a failed load is remembered before it is tried again (unless its files change)
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
     * The pipeline that serves a model version: its own, or the last good one of the model when it cannot load.
     *
     * @throws SampleException {@code UNKNOWN_MODEL} when the repository has no such version,
     *     {@code MODEL_UNAVAILABLE} when it fails to load and no version of the model is loaded
     */
    public ModelPipeline get(String name, String version) {
        String resolved = resolve(name, version);
        String key = name + "/" + resolved;
        Served served = open.get(key);
        if (served != null) {
            return served.pipeline();
        }
        try {
            return load(name, resolved).pipeline();
        } catch (SampleException e) {
            ModelPipeline lastGood = newestOpen(name);
            if (lastGood == null) {
                throw e;
            }
            flagRejected(name, resolved, true);
            return lastGood;
        }
    }

    /**
     * Reloads the loaded versions whose files changed, and loads the versions added to the models in use; a version
     * that fails validation leaves the last good one serving (see the class description).
     */
    public void refresh() {
        for (String key : new ArrayList<>(open.keySet())) {
            Served served = open.get(key);
            String name = served.pipeline().loaded().name();
            String version = served.pipeline().loaded().version();
            String revision = revisionOf(name, version);
            if (revision.isEmpty() || revision.equals(served.revision()) || revision.equals(rejected.get(key))) {
                continue;
            }
            try {
                Served reloaded = validate(name, version, revision);
                open.put(key, reloaded);
                served.pipeline().close();
                rejected.remove(key);
                flagRejected(name, version, false);
                LOG.info("model {} changed; reloaded", key);
            } catch (RuntimeException e) {
                rejected.put(key, revision);
                metrics.modelLoadFailed(name, version);
                flagRejected(name, version, true);
                LOG.error("model {} changed, but its new files fail validation; the files loaded before keep serving it: {}", key,
                        e.getMessage());
            }
        }
        for (String name : open.values().stream().map(s -> s.pipeline().loaded().name()).distinct().toList()) {
            loadNewVersionsOf(name);
        }
    }

    /** Validates the versions of a model in use that are newer than its newest loaded one, so they serve at once. */
    private void loadNewVersionsOf(String name) {
        List<String> versions;
        try {
            versions = repository.versions(name);
        } catch (RuntimeException e) {
            return;
        }
        String newest = newestOpenVersion(name);
        for (String version : versions.subList(versions.indexOf(newest) + 1, versions.size())) {
            String key = name + "/" + version;
            Failure failure = failures.get(key);
            if (open.containsKey(key) || failure != null && failure.revision().equals(revisionOf(name, version))) {
                continue;
            }
            try {
                load(name, version);
            } catch (SampleException e) {
                if (newestOpen(name) != null) {
                    flagRejected(name, version, true);
                }
            }
        }
    }

    private Served load(String name, String version) {
        String key = name + "/" + version;
        String revision = revisionOf(name, version);
        Failure failure = failures.get(key);
        if (failure != null && nanoTime.getAsLong() - failure.at() < retryNanos && failure.revision().equals(revision)) {
            throw new SampleException("MODEL_UNAVAILABLE", failure.message());
        }
        Served served;
        try {
            served = validate(name, version, revision);
        } catch (RuntimeException e) {
            String message = "model " + key + " failed to load: " + e.getMessage();
            failures.put(key, new Failure(message, nanoTime.getAsLong(), revision));
            metrics.modelLoadFailed(name, version);
            LOG.error("{}; its samples are served by the newest loaded version of {} if there is one, else go to the dead-letter "
                    + "topic as MODEL_UNAVAILABLE; next try in {} ms or when its files change", message, name, retryNanos / 1_000_000L);
            throw new SampleException("MODEL_UNAVAILABLE", message, e);
        }
        failures.remove(key);
        flagRejected(name, version, false);
        open.put(key, served);
        evictBeyondCapacity();
        return served;
    }

    /** Loads a version and builds its pipeline: the policy is read and checked against the model on the way. */
    private Served validate(String name, String version, String revision) {
        return new Served(new ModelPipeline(repository.load(name, version, device), options), revision);
    }

    private void flagRejected(String name, String version, boolean isRejected) {
        metrics.modelVersionRejected(name, version, isRejected);
    }

    /** The loaded pipeline of the model's newest loaded version, or null when none is loaded. */
    private ModelPipeline newestOpen(String name) {
        String version = newestOpenVersion(name);
        return version == null ? null : open.get(name + "/" + version).pipeline();
    }

    private String newestOpenVersion(String name) {
        return open.values().stream().map(s -> s.pipeline().loaded()).filter(l -> l.name().equals(name)).map(l -> l.version())
                .max(Comparator.comparing(v -> v, ModelRepository.VERSION_ORDER)).orElse(null);
    }

    /** The revision of a version's files; empty when they cannot be read (the version is then left as it is). */
    private String revisionOf(String name, String version) {
        try {
            return repository.revision(name, version);
        } catch (RuntimeException e) {
            return "";
        }
    }

    private String resolve(String name, String version) {
        List<String> versions;
        try {
            versions = repository.versions(name);
        } catch (RuntimeException e) {
            throw new SampleException("UNKNOWN_MODEL", e.getMessage(), e);
        }
        if (versions.isEmpty()) {
            throw new SampleException("UNKNOWN_MODEL", "the repository has no model '" + name + "'");
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
        Iterator<Map.Entry<String, Served>> eldest = open.entrySet().iterator();
        while (open.size() > capacity && eldest.hasNext()) {
            eldest.next().getValue().pipeline().close();
            eldest.remove();
        }
    }

    @Override
    public void close() {
        open.values().forEach(s -> s.pipeline().close());
        open.clear();
    }
}
