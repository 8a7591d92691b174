package dev.stabilis.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model repository: {@code <root>/<name>/<version>/} directories, each with a model file and a policy.
 * Names and versions are plain path segments, and a version directory or file that is a symbolic link out of
 * the root is refused, so no lookup can leave the root.
 */
public final class ModelRepository {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path root;

    public ModelRepository(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * The directory of a version; the name and version must be plain path segments.
     *
     * @throws PolicyException when the directory, or a file in it, resolves (through symbolic links) outside the root
     */
    public Path versionDirectory(String name, String version) {
        requireSegment("model name", name);
        requireSegment("model version", version);
        Path dir = root.resolve(name).resolve(version);
        requireInsideRoot(dir);
        return dir;
    }

    private void requireInsideRoot(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            Path realRoot = root.toRealPath();
            for (Path path : Stream.concat(Stream.of(dir), files).toList()) {
                if (!path.toRealPath().startsWith(realRoot)) {
                    throw new PolicyException(path + ": resolves to " + path.toRealPath()
                            + ", outside the model repository " + realRoot);
                }
            }
        } catch (IOException e) {
            throw new PolicyException(dir + ": cannot read the version directory: " + e.getMessage(), e);
        }
    }

    /** The versions of a model, oldest first (numeric versions in numeric order). */
    public List<String> versions(String name) {
        requireSegment("model name", name);
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(v -> SEGMENT.matcher(v).matches()).sorted(VERSION_ORDER).toList();
        } catch (IOException e) {
            throw new PolicyException(dir + ": cannot list versions: " + e.getMessage(), e);
        }
    }

    /**
     * What the files of a version look like now: their names, sizes, modification times and file keys. It changes when
     * a file is written, replaced (an atomic rename too) or removed, so a watcher compares it instead of reading the
     * files; empty when the directory does not exist.
     */
    public String revision(String name, String version) {
        Path dir = versionDirectory(name, version);
        if (!Files.isDirectory(dir)) {
            return "";
        }
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder out = new StringBuilder();
            for (Path file : files.sorted().toList()) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                out.append(file.getFileName()).append(':').append(attributes.size()).append(':')
                        .append(attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS)).append(':').append(attributes.fileKey()).append(';');
            }
            return out.toString();
        } catch (IOException e) {
            throw new PolicyException(dir + ": cannot read the version directory: " + e.getMessage(), e);
        }
    }

    /** Loads a version; {@code latest} picks the newest. */
    public LoadedModel load(String name, String version, Device device) {
        String resolved = version;
        if (version.equals("latest")) {
            List<String> all = versions(name);
            if (all.isEmpty()) {
                throw new PolicyException(root.resolve(name) + ": model '" + name + "' has no versions");
            }
            resolved = all.get(all.size() - 1);
        }
        return ModelLoader.load(name, resolved, versionDirectory(name, resolved), device);
    }

    private static void requireSegment(String what, String value) {
        if (value == null || !SEGMENT.matcher(value).matches() || value.equals("..") || value.equals(".")) {
            throw new PolicyException(what + " '" + value + "' is not a valid repository name "
                    + "(letters, digits, '.', '_' and '-', starting with a letter or digit)");
        }
    }

    /** Version labels oldest first: numeric ones in numeric order, before the others in text order. */
    public static final Comparator<String> VERSION_ORDER = (a, b) -> {
        boolean numA = a.matches("\\d{1,18}");
        boolean numB = b.matches("\\d{1,18}");
        if (numA && numB) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        return numA ? -1 : numB ? 1 : a.compareTo(b);
    };
}
