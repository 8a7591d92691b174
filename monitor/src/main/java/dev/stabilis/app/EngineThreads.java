package dev.stabilis.app;

import dev.stabilis.config.StabilisConfig;

/**
 * Applies {@code stabilis.runner.torch.threads} before the PyTorch engine starts (it reads the thread count once).
 * On a small machine shared with Kafka, one intra-op thread avoids OpenMP threads spinning against busy
 * Kafka threads (BENCHMARKS.md, "Streaming pipeline").
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
