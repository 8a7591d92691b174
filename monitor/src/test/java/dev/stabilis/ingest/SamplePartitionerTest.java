package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.contract.Sample;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The samples of one model spread over every partition of the samples topic, each sample always to the same one. */
class SamplePartitionerTest {

    private final SamplePartitioner partitioner = new SamplePartitioner();

    @Test
    void oneModelsSamplesSpreadEvenlyOverSixPartitions() {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int i = 0; i < 600; i++) {
            Set<Integer> partitions = partitioner.partitions("stabilis.samples", "digits", sample("request-" + i, 0), 6).orElseThrow();
            assertThat(partitions).hasSize(1);
            counts.merge(partitions.iterator().next(), 1, Integer::sum);
        }
        assertThat(counts).as("samples per partition").containsOnlyKeys(0, 1, 2, 3, 4, 5)
                .allSatisfy((partition, count) -> assertThat(count).isBetween(70, 130));
    }

    @Test
    void aSampleAndItsReplayGoToTheSamePartitionAndRowsOfOneRequestMaySpread() {
        Set<Integer> first = partitioner.partitions("stabilis.samples", "digits", sample("request-7", 0), 6).orElseThrow();
        assertThat(partitioner.partitions("stabilis.samples", "digits", sample("request-7", 0), 6)).contains(first);
        Set<Integer> rows = new java.util.HashSet<>();
        for (int index = 0; index < 32; index++) {
            rows.addAll(partitioner.partitions("stabilis.samples", "digits", sample("batch-request", index), 6).orElseThrow());
        }
        assertThat(rows).as("partitions of the 32 rows of one request").hasSizeGreaterThan(1);
    }

    private static Sample sample(String requestId, int index) {
        return new Sample(requestId, index, "digits", "1", "PLAIN", new float[] {0.5f}, null, null, 0L, 0L, null, null);
    }
}
