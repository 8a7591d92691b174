package dev.stabilis.engine;

import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Splits a computation over independent rows (host arithmetic, {@link HostDenseNetwork}, or tensor passes on a CPU, each
 * range on one intra-op thread of its own: {@link IntraOpThreads#alone}) between the calling thread and workers:
 * as many threads in all as libtorch's intra-op threads of the calling thread, the count a tensor pass of the same call
 * may use ({@code stabilis.runner.torch.threads} in a runner), and no more than shares of
 * {@link #MULTIPLY_ADDS_PER_THREAD}. Each row is computed the same way on whichever thread, so the results do not depend
 * on the split. The workers are daemon threads of a cached pool, started on the first split and gone after a minute
 * idle.
 */
public final class HostThreads {

    /**
     * The least share of a call's multiply-adds ({@link dev.stabilis.graph.Graph#multiplyAddsPerSample} × rows) worth a
     * thread of its own: 2¹⁸, 10 rows of the digits MLP, whose certify takes 0.5–0.7 ms on the host, against tens of
     * microseconds to hand rows to a worker and join it.
     */
    public static final long MULTIPLY_ADDS_PER_THREAD = 1L << 18;

    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(work -> {
        Thread thread = new Thread(work, "stabilis-host-rows");
        thread.setDaemon(true);
        return thread;
    });

    private HostThreads() {}

    /** Work on the rows {@code [from, to)} of a call; its results in row order. */
    @FunctionalInterface
    public interface RowRange<T> {
        List<T> apply(int from, int to);
    }

    /** The threads for {@code rows} rows of {@code multiplyAddsPerRow} each: at least 1. */
    public static int forRows(int rows, long multiplyAddsPerRow) {
        long shares = rows * multiplyAddsPerRow / MULTIPLY_ADDS_PER_THREAD;
        if (shares < 2) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Math.min(shares, rows), JniUtils.getNumThreads()));
    }

    /**
     * The results of {@code work} over rows {@code [0, rows)} in row order, computed in {@code threads} contiguous
     * ranges: the first on the calling thread, the others on workers. A failure of any range is thrown here, after
     * every range has finished.
     */
    public static <T> List<T> inRanges(int rows, int threads, RowRange<T> work) {
        if (threads <= 1) {
            return work.apply(0, rows);
        }
        List<CompletableFuture<List<T>>> others = new ArrayList<>(threads - 1);
        for (int t = 1; t < threads; t++) {
            int from = start(rows, threads, t);
            int to = start(rows, threads, t + 1);
            others.add(CompletableFuture.supplyAsync(() -> work.apply(from, to), WORKERS));
        }
        List<T> out = new ArrayList<>(rows);
        RuntimeException failure = null;
        try {
            out.addAll(work.apply(0, start(rows, threads, 1)));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (CompletableFuture<List<T>> range : others) {
            try {
                out.addAll(range.join());
            } catch (CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    private static int start(int rows, int threads, int range) {
        return (int) ((long) rows * range / threads);
    }
}
