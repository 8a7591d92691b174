package dev.stabilis.engine;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Runs a small pass on the calling thread alone, but for its large matrix products. libtorch splits a large enough
 * operator over its intra-op threads and wakes the sleeping workers to do so ({@code OMP_WAIT_POLICY=PASSIVE}, as under
 * {@code ./stabilis}); a pass of many small operators then pays more in wake-ups than the other cores give back. On a
 * 2-vCPU machine, passes of up to 37 million multiply-adds ran as fast or up to 2× faster on one thread than on two
 * (saliency of the digits MLP at 16 rows, of the transformer encoder at 1 to 64 rows, of ResNet-18 at one row), and
 * passes of 87 million and more ran 1.25–1.7× slower (IG-32 of the transformer at 16 samples, ResNet-18 at 16 and 64
 * rows, certify on the 784-wide MLP at 256 rows): BENCHMARKS.md, "Threads per pass". Inside a small pass, one product
 * of at least {@link #PRODUCT_PARALLEL_FROM_MULTIPLY_ADDS} gets the thread's count back for its own span
 * ({@link #forProduct}): its arithmetic outweighs a wake-up (BENCHMARKS.md, "Large products in small passes").
 *
 * <p>The count is libtorch's setting for the calling thread (OpenMP's and MKL's are per thread), lowered to 1 for the
 * scope of a pass under {@link #PARALLEL_FROM_MULTIPLY_ADDS} and restored when it closes; nothing gets more threads
 * than its thread had. libtorch also keeps the last count set as the start value of threads that have not yet run an
 * operator: a thread whose first operator runs while another thread is inside such a scope starts with one thread. A
 * runner does its work on one thread, which runs its first operator when it loads the model.
 */
public final class IntraOpThreads implements AutoCloseable {

    /** The multiply-adds of a pass ({@link dev.stabilis.graph.Graph#multiplyAddsPerSample} × rows) from which it keeps its thread's count. */
    public static final long PARALLEL_FROM_MULTIPLY_ADDS = 64L << 20;

    /** The multiply-adds of one matrix product from which it runs on the thread's count inside a small pass. */
    public static final long PRODUCT_PARALLEL_FROM_MULTIPLY_ADDS = 1L << 21;

    private static final IntraOpThreads UNCHANGED = new IntraOpThreads(0, -1);

    /** Per thread: the count the innermost open small-pass scope lowered it from, 0 outside any. */
    private static final ThreadLocal<int[]> LOWERED_FROM = ThreadLocal.withInitial(() -> new int[1]);

    /** The count to restore, or 0 when nothing was changed. */
    private final int restore;
    /** The {@link #LOWERED_FROM} to reinstate, or -1 when this scope did not set it. */
    private final int outerLoweredFrom;

    private IntraOpThreads(int restore, int outerLoweredFrom) {
        this.restore = restore;
        this.outerLoweredFrom = outerLoweredFrom;
    }

    /** The threads of a pass of {@code multiplyAdds}: one when it is small and its thread has more, else unchanged. */
    public static IntraOpThreads forPass(long multiplyAdds) {
        if (multiplyAdds >= PARALLEL_FROM_MULTIPLY_ADDS) {
            return UNCHANGED;
        }
        int current = JniUtils.getNumThreads();
        if (current <= 1) {
            return UNCHANGED;
        }
        JniUtils.setNumThreads(1);
        int[] lowered = LOWERED_FROM.get();
        int outer = lowered[0];
        lowered[0] = current;
        return new IntraOpThreads(current, outer);
    }

    /**
     * One thread for the scope, large products included: for a pass that shares the cores with passes of the same call on
     * other threads ({@link HostThreads}), where a product given more threads would take them from the others.
     */
    public static IntraOpThreads alone() {
        int current = JniUtils.getNumThreads();
        if (current > 1) {
            JniUtils.setNumThreads(1);
        }
        int[] lowered = LOWERED_FROM.get();
        int outer = lowered[0];
        lowered[0] = 0;
        return new IntraOpThreads(current > 1 ? current : 0, outer);
    }

    /**
     * The threads of one matrix product of {@code multiplyAdds}: the count a small pass lowered its thread from when
     * the product is large, else unchanged. The multiply-adds are counted only inside a small pass: outside one (most
     * products) the thread-local check alone decides, and nothing reads the operands' shapes.
     */
    public static IntraOpThreads forProduct(java.util.function.LongSupplier multiplyAdds) {
        int passCount = LOWERED_FROM.get()[0];
        if (passCount <= 1 || multiplyAdds.getAsLong() < PRODUCT_PARALLEL_FROM_MULTIPLY_ADDS) {
            return UNCHANGED;
        }
        JniUtils.setNumThreads(passCount);
        return new IntraOpThreads(1, -1);
    }

    /** Restores the thread's count, if this scope changed it. */
    @Override
    public void close() {
        if (restore > 0) {
            JniUtils.setNumThreads(restore);
        }
        if (outerLoweredFrom >= 0) {
            LOWERED_FROM.get()[0] = outerLoweredFrom;
        }
    }
}
