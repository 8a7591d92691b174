package dev.stabilis.service;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * The micro-batch a runner fills from several polls, and the rebalance listener that keeps it its own: when a
 * rebalance takes partitions away (revoked, or lost: {@link ConsumerRebalanceListener#onPartitionsLost} revokes by
 * default), the records already polled from them leave the batch. Their next owner, this runner again or another,
 * reads them from the group's committed offsets. Left in the batch, they would be explained twice: a transaction
 * commits its offsets under the group generation of commit time, so the broker would accept them from a member that
 * no longer owns their partitions. Not thread-safe: the consumer calls the listener from the polling thread.
 */
final class FillingBatch implements ConsumerRebalanceListener {

    private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    private final IntConsumer handedOver;

    /** @param handedOver told how many records each rebalance took out of the batch, when any */
    FillingBatch(IntConsumer handedOver) {
        this.handedOver = handedOver;
    }

    /** Adds a poll's records. */
    void add(ConsumerRecords<String, byte[]> polled) {
        polled.forEach(records::add);
    }

    int size() {
        return records.size();
    }

    /** The records gathered since the last take, in poll order; the batch is empty afterwards. */
    List<ConsumerRecord<String, byte[]>> take() {
        List<ConsumerRecord<String, byte[]>> taken = List.copyOf(records);
        records.clear();
        return taken;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        Set<TopicPartition> gone = Set.copyOf(partitions);
        int before = records.size();
        records.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
        if (records.size() < before) {
            handedOver.accept(before - records.size());
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        // an assigned partition is read from its committed offset: nothing in the batch comes from it yet
    }
}
