package dev.stabilis.app;

import dev.stabilis.config.StabilisConfig;

/**
 * Applies {@code stabilis.runner.torch.threads} before the PyTorch engine starts (it reads the thread count once).
 * One intra-op thread (the default) ran the runner's batches 1.3× (256 samples) to 1.5–2× (16) faster than two on a
 * 2-vCPU machine with nothing else running, and avoids OpenMP workers competing with Kafka's threads
 * (BENCHMARKS.md, "Threads per role").
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
