package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PositionWatchTest {

    private static final long SECOND = 1_000_000_000L;
    private static final TopicPartition P0 = new TopicPartition("samples", 0);
    private static final TopicPartition P1 = new TopicPartition("samples", 1);

    @Test
    void aPartitionWithoutAPositionStallsOnlyOnceTheLimitHasPassed() {
        PositionWatch watch = new PositionWatch(10_000);
        Set<TopicPartition> both = Set.of(P0, P1);
        assertThat(watch.stalled(both, p -> p.equals(P1), 0)).isEmpty();
        assertThat(watch.stalled(both, p -> p.equals(P1), 10 * SECOND)).as("at the limit").isEmpty();
        assertThat(watch.stalled(both, p -> p.equals(P1), 10 * SECOND + 1)).containsExactly(P0);
    }

    @Test
    void aPositionResetsThePartitionsClock() {
        PositionWatch watch = new PositionWatch(10_000);
        Set<TopicPartition> one = Set.of(P0);
        watch.stalled(one, p -> false, 0);
        assertThat(watch.stalled(one, p -> true, 5 * SECOND)).isEmpty();
        assertThat(watch.stalled(one, p -> false, 6 * SECOND)).isEmpty();
        assertThat(watch.stalled(one, p -> false, 15 * SECOND)).as("10 s after it lost its position again, not 15").isEmpty();
        assertThat(watch.stalled(one, p -> false, 16 * SECOND + 1)).containsExactly(P0);
    }

    @Test
    void aRevokedPartitionIsForgottenAndStartsAfreshWhenAssignedAgain() {
        PositionWatch watch = new PositionWatch(10_000);
        watch.stalled(Set.of(P0, P1), p -> false, 0);
        assertThat(watch.stalled(Set.of(P1), p -> false, 11 * SECOND)).containsExactly(P1);
        assertThat(watch.stalled(new HashSet<>(Set.of(P0, P1)), p -> false, 12 * SECOND)).containsExactly(P1);
        assertThat(watch.stalled(Set.of(P0, P1), p -> false, 22 * SECOND + 1)).containsExactly(P0, P1);
    }

    @Test
    void theLimitMustBePositive() {
        assertThatThrownBy(() -> new PositionWatch(0)).hasMessageContaining("position timeout must be > 0 ms, got 0");
    }
}
