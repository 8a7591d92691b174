package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host computation splits its rows over as many threads as its thread's intra-op count allows and its size is
 * worth, in contiguous ranges whose results come back in row order; a failing range fails the call, after the others.
 */
class HostThreadsTest {

    private IntraOpCount previous;

    @BeforeEach
    void twoIntraOpThreads() {
        previous = IntraOpCount.set(2);
    }

    @AfterEach
    void restore() {
        previous.close();
    }

    @Test
    void aCallGetsAThreadPerShareUpToItsThreadsIntraOpCount() {
        long share = HostThreads.MULTIPLY_ADDS_PER_THREAD;
        assertThat(HostThreads.forRows(1, share)).as("one share").isEqualTo(1);
        assertThat(HostThreads.forRows(10, share / 10)).as("one share in ten rows").isEqualTo(1);
        assertThat(HostThreads.forRows(2, share)).isEqualTo(2);
        assertThat(HostThreads.forRows(1_000, share)).as("the thread's intra-op count").isEqualTo(2);
        JniUtils.setNumThreads(4);
        assertThat(HostThreads.forRows(3, share)).as("never more threads than rows").isEqualTo(3);
        assertThat(HostThreads.forRows(8, share / 2)).as("four shares").isEqualTo(4);
        JniUtils.setNumThreads(1);
        assertThat(HostThreads.forRows(1_000, share)).isEqualTo(1);
    }

    @Test
    void rangesCoverTheRowsOnceAndTheirResultsComeBackInRowOrder() {
        String caller = Thread.currentThread().getName();
        Set<String> ranges = ConcurrentHashMap.newKeySet();
        List<Integer> rows = HostThreads.inRanges(10, 3, (from, to) -> {
            ranges.add(from + ".." + to + (Thread.currentThread().getName().equals(caller) ? " here" : " on a worker"));
            return IntStream.range(from, to).boxed().toList();
        });

        assertThat(rows).containsExactlyElementsOf(IntStream.range(0, 10).boxed().toList());
        assertThat(ranges).containsExactlyInAnyOrder("0..3 here", "3..6 on a worker", "6..10 on a worker");
    }

    @Test
    void oneThreadComputesTheWholeCallOnTheCallingThread() {
        List<String> ranges = Collections.synchronizedList(new ArrayList<>());
        List<Integer> rows = HostThreads.inRanges(5, 1, (from, to) -> {
            ranges.add(from + ".." + to + " on " + Thread.currentThread().getName());
            return IntStream.range(from, to).boxed().toList();
        });

        assertThat(rows).containsExactly(0, 1, 2, 3, 4);
        assertThat(ranges).containsExactly("0..5 on " + Thread.currentThread().getName());
    }

    @Test
    void aFailingRangeFailsTheCallAfterTheOtherRangesFinish() {
        AtomicInteger finished = new AtomicInteger();

        assertThatThrownBy(() -> HostThreads.inRanges(8, 4, (from, to) -> {
            if (from == 4) {
                throw new IllegalStateException("row " + from + " broke");
            }
            sleep(50);
            finished.incrementAndGet();
            return List.of(from);
        })).isInstanceOf(IllegalStateException.class).hasMessage("row 4 broke");
        assertThat(finished).as("the other three ranges ran to their end").hasValue(3);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
