package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

/** A micro-batch waits to fill only where the measured arrival rate expects more samples within the wait. */
class BatchWaitTest {

    private static final long MS = 1_000_000L;
    private static final long MAX_WAIT = 50 * MS;

    /** Batches of {@code size} samples started every {@code everyMs}, from time 0; the wait of the last. */
    private static long steady(BatchWait wait, int batches, long everyMs, int size) {
        long last = -1;
        for (int i = 0; i < batches; i++) {
            last = wait.startBatch(i * everyMs * MS);
            wait.endBatch(size);
        }
        return last;
    }

    @Test
    void withoutAMeasuredRateABatchWaitsTheFullWait() {
        BatchWait wait = new BatchWait(MAX_WAIT);

        assertThat(wait.startBatch(0)).isEqualTo(MAX_WAIT);
        assertThat(wait.samplesPerSecond()).isNaN();
    }

    @Test
    void atLowTrafficALoneSampleIsEvaluatedAtOnce() {
        BatchWait wait = new BatchWait(MAX_WAIT);

        // one sample a second: 0.05 expected within 50 ms
        assertThat(steady(wait, 5, 1000, 1)).isZero();
        assertThat(wait.samplesPerSecond()).isCloseTo(1, offset(1e-9));
    }

    @Test
    void atHighTrafficBatchesWaitToFill() {
        BatchWait wait = new BatchWait(MAX_WAIT);

        // 8 samples every 100 ms: 80 per second, 4 expected within 50 ms
        assertThat(steady(wait, 5, 100, 8)).isEqualTo(MAX_WAIT);
        assertThat(wait.samplesPerSecond()).isCloseTo(80, offset(1e-9));
    }

    @Test
    void theRateFollowsTrafficThatFallsAndRises() {
        BatchWait wait = new BatchWait(MAX_WAIT);
        steady(wait, 10, 100, 8);
        long now = 10 * 100 * MS;

        // a minute of silence, then lone samples: the first batch after the silence already stops waiting
        now += 60_000 * MS;
        assertThat(wait.startBatch(now)).as("after the silence").isZero();
        wait.endBatch(1);
        // traffic rises again: bursts of 20 every 50 ms (400/s) bring the wait back within a few batches
        int batches = 0;
        long waited = 0;
        while (waited == 0 && batches < 20) {
            now += 50 * MS;
            waited = wait.startBatch(now);
            wait.endBatch(20);
            batches++;
        }
        assertThat(waited).isEqualTo(MAX_WAIT);
        assertThat(batches).isLessThanOrEqualTo(3);
    }

    @Test
    void aZeroWaitNeverWaitsAndANegativeOneIsRefused() {
        assertThat(steady(new BatchWait(0), 5, 1, 100)).isZero();
        assertThatThrownBy(() -> new BatchWait(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
    }
}
