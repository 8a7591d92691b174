package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.stabilis.model.ModelRepository;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Memory stays bounded under bad input: what the ingest allocates for a record follows the bytes it holds,
 * never what it claims (a shape of 2^40 values), and nothing of a rejected record is kept. Measured with the
 * JVM's per-thread allocation counter (the TopologyTestDriver runs the topology on the calling thread), so the
 * assertions count bytes, not time.
 */
class BoundedMemoryTest {

    /** Allocation allowed per byte of a bad record: the JSON tree costs up to ~75 bytes per byte ({@code [],} ...). */
    private static final int BYTES_PER_BYTE = 100;

    /** Allocation allowed per record besides that: driver, serdes, dead-letter JSON of a small record. */
    private static final int PER_RECORD = 512 * 1024;

    private static final ModelCatalog CATALOG = new RepositoryModelCatalog(new ModelRepository(TestModels.root()));

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final IngestConfig config = IngestConfig.from(Map.of(IngestConfig.JOIN_ENABLED, "false"));

    private static long allocatedBy(Runnable work) {
        long thread = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(thread);
        work.run();
        return THREADS.getThreadAllocatedBytes(thread) - before;
    }

    /** The least of several runs, so that class loading and JIT compilation on the first runs do not count. */
    private static long leastAllocatedBy(Runnable work) {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            least = Math.min(least, allocatedBy(work));
        }
        return least;
    }

    private static int size(TestRecord<byte[], byte[]> record) {
        int size = record.value() == null ? 0 : record.value().length;
        for (Header h : record.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    private static byte[] tensor(String shape, int values) {
        return ("{\"model_name\": \"digits\", \"inputs\": [{\"name\": \"input\", \"shape\": " + shape
                + ", \"datatype\": \"FP32\", \"data\": [" + BadInputs.zeros(values) + "]}]}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aShapeClaiming2To40ValuesCostsNoMoreThanOneClaimingWhatItHolds() {
        RecordClassifier classifier = new RecordClassifier(CATALOG, config.maxPayloadBytes(), config.maxHeaderBytes());
        RecordHeaders headers = new RecordHeaders();
        LongSupplier honest = () -> leastAllocatedBy(() -> classifier.classify(
                SourceRecord.of("t", 0, 0, 0, null, tensor("[1, 64]", 65), headers), 0));
        LongSupplier claiming = () -> leastAllocatedBy(() -> classifier.classify(
                SourceRecord.of("t", 0, 0, 0, null, tensor("[1048576, 1048576]", 65), headers), 0));
        LongSupplier claimingBatch = () -> leastAllocatedBy(() -> classifier.classify(
                SourceRecord.of("t", 0, 0, 0, null, tensor("[1099511627776, 0]", 0), headers), 0));

        long small = honest.getAsLong();
        long huge = claiming.getAsLong();

        assertThat(((Rejection) classifier.classify(SourceRecord.of("t", 0, 0, 0, null, tensor("[1048576, 1048576]", 65),
                headers), 0)).reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        assertThat(huge).as("bytes allocated for a 2^40 claim vs %d for a 64 claim", small).isLessThan(small + 16 * 1024);
        assertThat(claimingBatch.getAsLong()).as("2^40 samples of nothing").isLessThan(small + 16 * 1024);
    }

    @Test
    void everyLargeCatalogueRecordAllocatesInProportionToItsBytes() {
        List<BadInputs.Case> large = BadInputs.all().stream().filter(c -> size(c.record()) > 50_000).toList();
        assertThat(large).hasSizeGreaterThan(20);
        try (IngestDriver ingest = new IngestDriver(config, CATALOG)) {
            for (BadInputs.Case c : large) {
                TestRecord<byte[], byte[]> record = c.record();
                long allocated = leastAllocatedBy(() -> {
                    ingest.request(record);
                    ingest.deadLetters();
                });
                assertThat(allocated).as("%s: %d bytes", c, size(record))
                        .isLessThan((long) BYTES_PER_BYTE * size(record) + PER_RECORD);
            }
        }
    }

    @Test
    void aLongStreamOfLargeGarbageRetainsNothing() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Random random = new Random(7);
        int records = 90;
        int bytes = 400 * 1024;
        try (IngestDriver ingest = new IngestDriver(config, CATALOG)) {
            List<TestRecord<byte[], byte[]>> warmUp = List.of(BadInputs.plain(new byte[10]));
            warmUp.forEach(ingest::request);
            ingest.deadLetters();
            System.gc();
            long before = memory.getHeapMemoryUsage().getUsed();

            int deadLetters = 0;
            for (int i = 0; i < records; i++) {
                byte[] value = switch (i % 3) {
                    case 0 -> {
                        byte[] b = new byte[bytes];
                        random.nextBytes(b);
                        yield b;
                    }
                    case 1 -> ("{\"instances\": [[" + String.join(",", Collections.nCopies(bytes / 2, "0")) + "]]}")
                            .getBytes(StandardCharsets.UTF_8);
                    default -> ("{\"instances\": " + "[".repeat(bytes)).getBytes(StandardCharsets.UTF_8);
                };
                ingest.request(BadInputs.plain(value));
                deadLetters += ingest.deadLetters().size();
            }
            System.gc();
            long after = memory.getHeapMemoryUsage().getUsed();

            assertThat(deadLetters).isEqualTo(records);
            assertThat(after - before).as("heap growth after %d MB of garbage", (long) records * bytes >> 20)
                    .isLessThan((long) records * bytes / 4);
        }
    }
}
