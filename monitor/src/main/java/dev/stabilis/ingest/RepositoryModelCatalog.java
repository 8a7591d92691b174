package dev.stabilis.ingest;

import dev.stabilis.graph.Shapes;
import dev.stabilis.model.ModelLoader;
import dev.stabilis.model.ModelPolicy;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.model.PolicyException;
import dev.stabilis.model.PolicyReader;
import dev.stabilis.onnx.OnnxImportException;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelCatalog} over a {@link ModelRepository}, without loading any engine.
 *
 * <p>A version's input is read from the input of its {@code model.onnx} graph or, for {@code model.pt}, from
 * {@code input.shape} in its {@code stabilis.yaml}, together with its policy (for the input domain), and cached. A
 * cached version whose files changed (checked at most once per rescan interval) is read again; when the new files
 * cannot be read, the last good input is kept and the failure logged at ERROR, as the runner keeps serving the last
 * good version. A version whose files cannot be read at all is retried after the rescan interval.
 *
 * <p>{@code latest} picks the newest version that can be read: a newest version with broken files sends its requests
 * to the version before it, as the runner does.
 *
 * <p>The listing of models and versions is re-read when a lookup misses it or asks for the latest version,
 * at most once per rescan interval, so models and versions added to the repository are found without a
 * restart, and a stream of unknown names costs at most one directory scan per interval.
 */
public final class RepositoryModelCatalog implements ModelCatalog {

    /** How often the repository is re-read at most, unless configured. */
    public static final Duration DEFAULT_RESCAN_INTERVAL = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryModelCatalog.class);

    private final ModelRepository repository;
    private final Duration rescanInterval;
    private final Clock clock;
    private final ConcurrentMap<String, Cached> inputs = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Failure> failures = new ConcurrentHashMap<>();
    private volatile Listing listing = new Listing(Map.of(), Instant.MIN);

    public RepositoryModelCatalog(ModelRepository repository, Duration rescanInterval, Clock clock) {
        this.repository = repository;
        this.rescanInterval = rescanInterval;
        this.clock = clock;
    }

    public RepositoryModelCatalog(ModelRepository repository) {
        this(repository, DEFAULT_RESCAN_INTERVAL, Clock.systemUTC());
    }

    @Override
    public ModelInput resolve(String model, String version) {
        if (model == null) {
            throw new PayloadException(RejectReason.UNKNOWN_MODEL, "the record names no model");
        }
        boolean latest = ModelCatalog.isLatest(version);
        Listing current = listing;
        if (latest || !current.versions(model).contains(version)) {
            current = refreshIfStale(current);
        }
        List<String> versions = current.versions(model);
        if (versions.isEmpty()) {
            throw new PayloadException(RejectReason.UNKNOWN_MODEL, "model '" + model + "' is not in the model repository");
        }
        if (latest) {
            return newestReadable(model, versions);
        }
        if (!versions.contains(version)) {
            throw new PayloadException(RejectReason.UNKNOWN_VERSION, "model '" + model + "' has no version '" + version
                    + "' (it has " + String.join(", ", versions) + ")");
        }
        return input(model, version);
    }

    /** The newest version whose input can be read; the newest version's failure when none can. */
    private ModelInput newestReadable(String model, List<String> versions) {
        PayloadException newest = null;
        for (int i = versions.size() - 1; i >= 0; i--) {
            try {
                return input(model, versions.get(i));
            } catch (PayloadException e) {
                if (newest == null) {
                    newest = e;
                }
            }
        }
        throw newest;
    }

    private ModelInput input(String model, String version) {
        String key = model + "/" + version;
        Cached cached = inputs.get(key);
        if (cached != null) {
            return isStale(cached.checkedAt()) ? recheck(key, cached) : cached.input();
        }
        Failure failure = failures.get(key);
        if (failure != null && !isStale(failure.at())) {
            throw new PayloadException(RejectReason.MODEL_UNAVAILABLE, failure.detail());
        }
        try {
            String revision = revision(model, version);
            ModelInput input = read(model, version);
            inputs.put(key, new Cached(input, revision, clock.instant()));
            failures.remove(key);
            return input;
        } catch (PayloadException e) {
            LOG.warn("Model {} version {} is unavailable: {}", model, version, e.getMessage());
            failures.put(key, new Failure(e.getMessage(), clock.instant()));
            throw e;
        }
    }

    /** Reads a cached version again when its files changed; keeps the last good input when the new files are broken. */
    private ModelInput recheck(String key, Cached cached) {
        ModelInput last = cached.input();
        Cached next = cached.checkedNow(clock.instant());
        try {
            String revision = revision(last.model(), last.version());
            if (!revision.equals(cached.revision())) {
                next = new Cached(read(last.model(), last.version()), revision, clock.instant());
                LOG.info("Model {} version {} changed; its input is read again", last.model(), last.version());
            }
        } catch (PayloadException e) {
            LOG.error("Model {} version {} changed, but its new files cannot be read ({}); requests are still checked against "
                    + "the files read before", last.model(), last.version(), e.getMessage());
            next = new Cached(last, revisionOrEmpty(last), clock.instant());
        }
        inputs.put(key, next);
        return next.input();
    }

    private String revision(String model, String version) {
        try {
            return repository.revision(model, version);
        } catch (PolicyException e) {
            throw unavailable(e.getMessage());
        }
    }

    private String revisionOrEmpty(ModelInput input) {
        try {
            return repository.revision(input.model(), input.version());
        } catch (PolicyException e) {
            return "";
        }
    }

    private ModelInput read(String model, String version) {
        Path dir = repository.versionDirectory(model, version);
        Path onnx = dir.resolve("model.onnx");
        Path script = dir.resolve("model.pt");
        try {
            if (Files.isRegularFile(onnx) && Files.isRegularFile(script)) {
                throw unavailable(dir + ": holds both model.onnx and model.pt");
            }
            Path policyFile = dir.resolve(ModelLoader.POLICY_FILE);
            ModelPolicy policy = Files.isRegularFile(policyFile) ? PolicyReader.read(policyFile) : ModelPolicy.DEFAULT;
            if (Files.isRegularFile(onnx)) {
                OnnxImporter.Input declared = OnnxImporter.input(onnx);
                return input(model, version, declared.name(), declared.sampleShape(), datatype(declared), policy);
            }
            if (Files.isRegularFile(script)) {
                if (policy.inputShape() == null) {
                    throw unavailable(policyFile + ": input.shape is required for TorchScript model " + script);
                }
                return input(model, version, null, policy.inputShape(), ModelInput.FP32, policy);
            }
            throw unavailable(dir + ": no model.onnx or model.pt");
        } catch (OnnxImportException | PolicyException e) {
            throw unavailable(e.getMessage());
        }
    }

    private static ModelInput input(String model, String version, String inputName, long[] shape, String datatype,
            ModelPolicy policy) {
        return new ModelInput(model, version, inputName, Arrays.stream(shape).boxed().toList(), datatype,
                Math.toIntExact(Shapes.size(shape)), policy);
    }

    /**
     * The request datatype of an ONNX input, which the importer has checked to be FLOAT or INT64/INT32 token ids:
     * {@link ModelInput#FP32}, or the ids' type.
     */
    private static String datatype(OnnxImporter.Input declared) {
        return declared.elementType().equals("FLOAT") ? ModelInput.FP32 : declared.elementType();
    }

    private static PayloadException unavailable(String detail) {
        return new PayloadException(RejectReason.MODEL_UNAVAILABLE, detail);
    }

    private synchronized Listing refreshIfStale(Listing seen) {
        if (listing != seen || !isStale(seen.takenAt())) {
            return listing;
        }
        listing = scan(seen);
        return listing;
    }

    private Listing scan(Listing previous) {
        Instant now = clock.instant();
        Path root = repository.root();
        if (!Files.isDirectory(root)) {
            LOG.warn("Model repository {} is not a directory", root);
            return new Listing(Map.of(), now);
        }
        Map<String, List<String>> versions = new HashMap<>();
        try (Stream<Path> children = Files.list(root)) {
            children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).forEach(name -> {
                List<String> found = versionsOf(name);
                if (!found.isEmpty()) {
                    versions.put(name, found);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Cannot list model repository {}, keeping the previous listing: {}", root, e.getMessage());
            return new Listing(previous.byModel(), now);
        }
        return new Listing(Map.copyOf(versions), now);
    }

    private List<String> versionsOf(String name) {
        try {
            return repository.versions(name);
        } catch (PolicyException e) {
            return List.of(); // a directory whose name is no valid model name
        }
    }

    private boolean isStale(Instant at) {
        return !clock.instant().isBefore(at.plus(rescanInterval));
    }

    /** Models and their versions (oldest first) as last read from the repository. */
    private record Listing(Map<String, List<String>> byModel, Instant takenAt) {
        List<String> versions(String model) {
            return byModel.getOrDefault(model, List.of());
        }
    }

    /** A version's input, the revision of its files it was read from, and when that revision was last compared. */
    private record Cached(ModelInput input, String revision, Instant checkedAt) {
        Cached checkedNow(Instant now) {
            return new Cached(input, revision, now);
        }
    }

    /** Why a version could not be read, and when. */
    private record Failure(String detail, Instant at) {}
}
