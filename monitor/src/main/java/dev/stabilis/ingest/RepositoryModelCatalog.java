package dev.stabilis.ingest;

import dev.stabilis.graph.Shapes;
import dev.stabilis.model.ModelLoader;
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
 * <p>A version's input is read once, from the input of its {@code model.onnx} graph or, for {@code model.pt},
 * from {@code input.shape} in its {@code stabilis.yaml}, and cached: versions are immutable, so replacing the
 * files of a published version is not noticed (publish a new version instead). A version whose files cannot
 * be read is retried after the rescan interval.
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
    private final ConcurrentMap<String, ModelInput> inputs = new ConcurrentHashMap<>();
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
        String resolved = latest ? versions.get(versions.size() - 1) : version;
        if (!versions.contains(resolved)) {
            throw new PayloadException(RejectReason.UNKNOWN_VERSION, "model '" + model + "' has no version '" + version
                    + "' (it has " + String.join(", ", versions) + ")");
        }
        return input(model, resolved);
    }

    private ModelInput input(String model, String version) {
        String key = model + "/" + version;
        ModelInput cached = inputs.get(key);
        if (cached != null) {
            return cached;
        }
        Failure failure = failures.get(key);
        if (failure != null && !isStale(failure.at())) {
            throw new PayloadException(RejectReason.MODEL_UNAVAILABLE, failure.detail());
        }
        try {
            ModelInput input = read(model, version);
            inputs.put(key, input);
            failures.remove(key);
            return input;
        } catch (PayloadException e) {
            LOG.warn("Model {} version {} is unavailable: {}", model, version, e.getMessage());
            failures.put(key, new Failure(e.getMessage(), clock.instant()));
            throw e;
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
            if (Files.isRegularFile(onnx)) {
                OnnxImporter.Input declared = OnnxImporter.input(onnx);
                return input(model, version, declared.name(), declared.sampleShape());
            }
            if (Files.isRegularFile(script)) {
                Path policy = dir.resolve(ModelLoader.POLICY_FILE);
                long[] shape = Files.isRegularFile(policy) ? PolicyReader.read(policy).inputShape() : null;
                if (shape == null) {
                    throw unavailable(policy + ": input.shape is required for TorchScript model " + script);
                }
                return input(model, version, null, shape);
            }
            throw unavailable(dir + ": no model.onnx or model.pt");
        } catch (OnnxImportException | PolicyException e) {
            throw unavailable(e.getMessage());
        }
    }

    private static ModelInput input(String model, String version, String inputName, long[] shape) {
        return new ModelInput(model, version, inputName, Arrays.stream(shape).boxed().toList(), ModelInput.FP32,
                Math.toIntExact(Shapes.size(shape)));
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

    /** Why a version could not be read, and when. */
    private record Failure(String detail, Instant at) {}
}
