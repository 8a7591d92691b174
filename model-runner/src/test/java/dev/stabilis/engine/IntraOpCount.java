package dev.stabilis.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Sets the calling thread's libtorch intra-op count for a test (loading the engine first) and gives the previous
 * count back on close.
 */
public final class IntraOpCount implements AutoCloseable {

    private final int restore;

    private IntraOpCount(int restore) {
        this.restore = restore;
    }

    /** Sets the count to {@code threads}. */
    public static IntraOpCount set(int threads) {
        Engine.getInstance();
        IntraOpCount previous = new IntraOpCount(JniUtils.getNumThreads());
        JniUtils.setNumThreads(threads);
        return previous;
    }

    @Override
    public void close() {
        JniUtils.setNumThreads(restore);
    }
}
