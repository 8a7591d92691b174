package dev.stabilis.service;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * The assigned partitions whose consumer position has stayed unknown for longer than a limit. A read_committed
 * consumer learns its position from its group's committed offset, and cannot while a transaction that holds that
 * offset never completes (a hanging transaction: a coordinator that completed it after a broker crash without writing
 * its markers, or an abandoned producer). It then polls nothing and reports no error, so without this the runner
 * would stall in silence with samples waiting (BENCHMARKS.md, "Crash recovery").
 */
final class PositionWatch {

    private final long limitNanos;
    private final Map<TopicPartition, Long> unknownSince = new HashMap<>();

    /** @param limitMillis how long a partition may stay without a position, > 0 */
    PositionWatch(long limitMillis) {
        if (limitMillis <= 0) {
            throw new IllegalArgumentException("runner: the position timeout must be > 0 ms, got " + limitMillis);
        }
        this.limitNanos = limitMillis * 1_000_000L;
    }

    /**
     * The partitions of {@code assigned} without a position for longer than the limit at {@code now} (nanoseconds),
     * in order; a partition's clock starts when it is first seen without one and stops when it has one or is revoked.
     */
    Set<TopicPartition> stalled(Set<TopicPartition> assigned, Predicate<TopicPartition> hasPosition, long now) {
        unknownSince.keySet().retainAll(assigned);
        Set<TopicPartition> stalled = new TreeSet<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (TopicPartition partition : assigned) {
            if (hasPosition.test(partition)) {
                unknownSince.remove(partition);
            } else if (now - unknownSince.computeIfAbsent(partition, p -> now) > limitNanos) {
                stalled.add(partition);
            }
        }
        return stalled;
    }
}
