package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryWatchTest {

    @Test
    void pollingIsDueOncePerInterval(@TempDir Path root) {
        AtomicLong now = new AtomicLong();
        RepositoryWatch watch = RepositoryWatch.of("poll", root, 5000, now::get);

        assertThat(watch.due()).isFalse();
        now.addAndGet(5_000_000_000L);
        assertThat(watch.due()).isTrue();
        assertThat(watch.due()).as("not again within the interval").isFalse();
    }

    @Test
    void fileEventsAreDueWhenAVersionsFilesAreWrittenAlsoInADirectoryCreatedAfterTheStart(@TempDir Path root) throws Exception {
        Path version = Files.createDirectories(root.resolve("digits/1"));
        try (RepositoryWatch watch = RepositoryWatch.of("events", root, 5000, System::nanoTime)) {
            assertThat(watch.due()).isFalse();

            Files.writeString(version.resolve("stabilis.yaml"), "certification: {k: 4}\n");
            assertThat(dueWithin(watch, 10_000)).as("a write in a version directory").isTrue();

            Path added = Files.createDirectories(root.resolve("digits/2"));
            assertThat(dueWithin(watch, 10_000)).as("a new version directory").isTrue();
            Files.writeString(added.resolve("model.onnx"), "x");
            assertThat(dueWithin(watch, 10_000)).as("a write in the new version directory").isTrue();
        }
    }

    @Test
    void offIsNeverDueAndAnotherModeIsRefused(@TempDir Path root) {
        assertThat(RepositoryWatch.of("off", root, 1, System::nanoTime).due()).isFalse();
        assertThatThrownBy(() -> RepositoryWatch.of("inotify", root, 1, System::nanoTime)).hasMessageContaining("poll, events or off");
    }

    private static boolean dueWithin(RepositoryWatch watch, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (watch.due()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
