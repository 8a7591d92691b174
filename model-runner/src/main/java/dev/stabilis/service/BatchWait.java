package dev.stabilis.service;

/**
 * How long a micro-batch waits to fill once its first samples arrived, from the measured arrival rate: the full
 * {@code maxWait} while the rate expects at least one more sample within it, none while it does not. At low traffic a
 * lone sample is then evaluated at once instead of being held back for samples that will not come; at high traffic
 * batches still fill, and samples that arrive while a batch is evaluated form the next batch either way.
 *
 * <p>The rate is a time-decayed mean of each batch's samples over the time from its start to the next batch's start
 * (the time in which they arrived, evaluation included): the older estimate keeps the weight {@code exp(−Δt / 1 s)},
 * so the rate is about the last second's and a silence replaces it at once. Until two batches have been seen there
 * is no rate, and a batch waits the full {@code maxWait}. Not thread-safe: the runner's loop owns it.
 */
final class BatchWait {

    /** The time over which the measured rate forgets. */
    static final double HORIZON_NANOS = 1e9;

    private final long maxWaitNanos;
    private double samplesPerNano = Double.NaN;
    private long previousStart;
    private int previousSamples;

    /**
     * @param maxWaitNanos the longest wait
     * @throws IllegalArgumentException when negative
     */
    BatchWait(long maxWaitNanos) {
        if (maxWaitNanos < 0) {
            throw new IllegalArgumentException("a batch wait must be >= 0 ns, got " + maxWaitNanos);
        }
        this.maxWaitNanos = maxWaitNanos;
    }

    /**
     * The wait of a batch whose first samples arrived at {@code now} (nanoseconds of {@link System#nanoTime()}): the full
     * wait, or 0 when the measured rate expects less than one more sample within it.
     */
    long startBatch(long now) {
        if (previousSamples > 0) {
            long elapsed = Math.max(1, now - previousStart);
            double rate = previousSamples / (double) elapsed;
            double kept = Math.exp(-elapsed / HORIZON_NANOS);
            samplesPerNano = Double.isNaN(samplesPerNano) ? rate : (1 - kept) * rate + kept * samplesPerNano;
        }
        previousStart = now;
        previousSamples = 0;
        return Double.isNaN(samplesPerNano) || samplesPerNano * maxWaitNanos >= 1 ? maxWaitNanos : 0;
    }

    /** The size of the batch last started, once it is complete. */
    void endBatch(int samples) {
        previousSamples = samples;
    }

    /** The measured arrival rate in samples per second, or NaN before two batches. */
    double samplesPerSecond() {
        return samplesPerNano * 1e9;
    }
}
