package dev.stabilis.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the runner looks at its model repository again ({@link ModelPipelines#refresh()}): every interval
 * ({@code poll}, which sees changes on any file system, network and Kubernetes volumes included), on file events
 * ({@code events}: the operating system reports writes under the repository root, its model and its version
 * directories; not every network file system does), or never ({@code off}). {@link #due()} never blocks.
 */
public abstract class RepositoryWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RepositoryWatch.class);

    /** Whether the repository should be looked at now. */
    public abstract boolean due();

    @Override
    public void close() {}

    /**
     * @param mode {@code poll}, {@code events} or {@code off}
     * @param intervalMillis how often {@code poll} looks
     * @throws IllegalArgumentException for another mode
     */
    public static RepositoryWatch of(String mode, Path root, long intervalMillis, LongSupplier nanoTime) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "poll" -> polling(intervalMillis, nanoTime);
            case "events" -> new FileEvents(root);
            case "off" -> new RepositoryWatch() {
                @Override
                public boolean due() {
                    return false;
                }
            };
            default -> throw new IllegalArgumentException("must be poll, events or off, got '" + mode + "'");
        };
    }

    static RepositoryWatch polling(long intervalMillis, LongSupplier nanoTime) {
        long interval = intervalMillis * 1_000_000L;
        return new RepositoryWatch() {
            private long next = nanoTime.getAsLong() + interval;

            @Override
            public boolean due() {
                long now = nanoTime.getAsLong();
                if (now - next < 0) {
                    return false;
                }
                next = now + interval;
                return true;
            }
        };
    }

    /** Events of the root and of every directory two levels below it, registered again after each event. */
    private static final class FileEvents extends RepositoryWatch {

        private final Path root;
        private final WatchService service;

        FileEvents(Path root) {
            this.root = root;
            try {
                this.service = FileSystems.getDefault().newWatchService();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot watch the model repository " + root + ": " + e.getMessage(), e);
            }
            register();
        }

        @Override
        public boolean due() {
            boolean any = false;
            try {
                for (WatchKey key = service.poll(); key != null; key = service.poll()) {
                    key.pollEvents();
                    key.reset();
                    any = true;
                }
            } catch (ClosedWatchServiceException e) {
                return false;
            }
            if (any) {
                register();
            }
            return any;
        }

        private void register() {
            try (Stream<Path> dirs = Files.walk(root, 2)) {
                for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                    dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                }
            } catch (IOException | UncheckedIOException e) {
                LOG.warn("cannot watch every directory of the model repository {}: {}", root, e.getMessage());
            }
        }

        @Override
        public void close() {
            try {
                service.close();
            } catch (IOException e) {
                LOG.debug("closing the watch of {}", root, e);
            }
        }
    }
}
