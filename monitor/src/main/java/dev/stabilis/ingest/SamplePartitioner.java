package dev.stabilis.ingest;

import dev.stabilis.contract.Sample;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Spreads the samples of one model over every partition of the samples topic by the sample's id
 * ({@code requestId#index}, murmur2 as Kafka's own partitioner hashes keys), while the record key stays the model. With
 * the model as the partition key all of a model's samples would land in one partition, so one runner would do all its
 * work however many run; this way runners scale by partitions for a single model too. A replayed sample goes to the
 * same partition.
 */
final class SamplePartitioner implements StreamPartitioner<String, Sample> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, String model, Sample sample, int numPartitions) {
        byte[] id = (sample.model() + '\u0000' + sample.requestId() + '#' + sample.index()).getBytes(StandardCharsets.UTF_8);
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(id)) % numPartitions));
    }
}
