package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class FillingBatchTest {

    private static final TopicPartition P0 = new TopicPartition("samples", 0);
    private static final TopicPartition P1 = new TopicPartition("samples", 1);
    private static final TopicPartition OTHER_TOPIC_P0 = new TopicPartition("other", 0);

    private final List<Integer> handedOver = new ArrayList<>();
    private final FillingBatch batch = new FillingBatch(handedOver::add);

    @Test
    void gathersPollsInOrderAndIsEmptyAfterATake() {
        batch.add(polled(P0, 0, 2));
        batch.add(polled(P1, 5, 1));

        assertThat(batch.size()).isEqualTo(3);
        assertThat(batch.take()).extracting(ConsumerRecord::partition, ConsumerRecord::offset)
                .containsExactly(tuple(0, 0L), tuple(0, 1L), tuple(1, 5L));
        assertThat(batch.size()).isZero();
        assertThat(batch.take()).isEmpty();
    }

    @Test
    void aRevokedPartitionsRecordsLeaveTheBatchAndAreCountedOnce() {
        batch.add(polled(P0, 0, 2));
        batch.add(polled(P1, 0, 3));
        batch.add(polled(OTHER_TOPIC_P0, 0, 1));

        batch.onPartitionsRevoked(List.of(P1));

        assertThat(batch.take()).extracting(ConsumerRecord::topic, ConsumerRecord::partition)
                .containsExactly(tuple("samples", 0), tuple("samples", 0), tuple("other", 0));
        assertThat(handedOver).containsExactly(3);
    }

    @Test
    void lostPartitionsLeaveTheBatchLikeRevokedOnes() {
        batch.add(polled(P0, 0, 2));
        batch.add(polled(P1, 0, 1));

        batch.onPartitionsLost(List.of(P0, P1));

        assertThat(batch.take()).isEmpty();
        assertThat(handedOver).containsExactly(3);
    }

    @Test
    void aRebalanceThatTakesNothingFromTheBatchReportsNothing() {
        batch.add(polled(P0, 0, 2));

        batch.onPartitionsRevoked(List.of(P1));
        batch.onPartitionsAssigned(List.of(P1));

        assertThat(batch.size()).isEqualTo(2);
        assertThat(handedOver).isEmpty();
    }

    @Test
    void recordsPolledAfterTheRevocationStay() {
        batch.add(polled(P0, 0, 2));
        batch.onPartitionsRevoked(List.of(P0));
        batch.add(polled(P0, 0, 2));

        assertThat(batch.take()).extracting(ConsumerRecord::offset).containsExactly(0L, 1L);
        assertThat(handedOver).containsExactly(2);
    }

    private static ConsumerRecords<String, byte[]> polled(TopicPartition partition, long firstOffset, int count) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new ConsumerRecord<>(partition.topic(), partition.partition(), firstOffset + i, "digits", new byte[0]));
        }
        return new ConsumerRecords<>(Map.of(partition, records), Map.of(partition, new OffsetAndMetadata(firstOffset + count)));
    }
}
