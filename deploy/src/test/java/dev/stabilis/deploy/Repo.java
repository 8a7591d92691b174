package dev.stabilis.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the repository, wherever the tests run from. */
final class Repo {

    /** The repository root: the stabilis.root property the build sets, else the first parent with the Dockerfile. */
    static final Path ROOT = find();
    static final Path CHART = ROOT.resolve("helm/stabilis");
    static final Path EXAMPLES = ROOT.resolve("helm/examples");
    static final Path DOCKERFILE = ROOT.resolve("Dockerfile");

    private Repo() {
    }

    private static Path find() {
        String property = System.getProperty("stabilis.root");
        if (property != null) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("Dockerfile")) && Files.isDirectory(dir.resolve("helm"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (set -Dstabilis.root)");
    }
}
