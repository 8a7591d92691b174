package dev.stabilis.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps a long-running command alive until Ctrl-C / SIGTERM, a duration, or a failed part, and lets the JVM's
 * shutdown wait (up to 30 s) until the command has closed its parts, so transactions commit or abort cleanly.
 */
final class UntilStopped implements AutoCloseable {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread hook;

    UntilStopped() {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stabilis-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Waits for a signal, the duration (null: no limit) or {@code failed} turning true; checks every 200 ms.
     *
     * @return false when a part failed
     */
    boolean await(Duration duration, BooleanSupplier failed) throws InterruptedException {
        long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        while (!stop.await(200, TimeUnit.MILLISECONDS)) {
            if (failed.getAsBoolean()) {
                return false;
            }
            if (System.nanoTime() >= deadline) {
                return true;
            }
        }
        return true;
    }

    /** The command has closed its parts; a pending JVM shutdown may proceed. */
    @Override
    public void close() {
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running and now sees `closed`
        }
    }
}
