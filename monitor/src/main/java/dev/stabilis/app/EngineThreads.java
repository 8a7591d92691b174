package dev.stabilis.app;

import dev.stabilis.config.StabilisConfig;

/**
 * Applies {@code stabilis.runner.torch.threads} before the PyTorch engine starts (it reads the thread count once).
 * The count is what the runner's larger passes get: passes under 64 million multiply-adds run on one thread whatever
 * it is ({@link dev.stabilis.engine.IntraOpThreads}). One (the default) keeps OpenMP workers from competing with
 * Kafka's threads (BENCHMARKS.md, "Threads per role", "Threads per pass").
 */
public final class EngineThreads {

    private EngineThreads() {}

    /** Sets the engine's intra-op threads when the setting is not 0; call before anything loads a model. */
    public static void apply(StabilisConfig config) {
        int threads = config.integer("stabilis.runner.torch.threads", 0, 1024);
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
    }
}
