package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A small pass runs on its thread alone and gives the thread its count back; a large pass keeps the thread's count;
 * no pass raises it; other threads keep theirs. A large product inside a small pass runs on the count the pass lowered
 * its thread from, and nothing else changes a thread's count.
 */
class IntraOpThreadsTest {

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
    void aPassUnderTheLimitRunsOnOneThreadAndRestoresTheCount() {
        try (IntraOpThreads threads = IntraOpThreads.forPass(IntraOpThreads.PARALLEL_FROM_MULTIPLY_ADDS - 1)) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(1);
        }
        assertThat(JniUtils.getNumThreads()).isEqualTo(2);
    }

    @Test
    void aPassAtTheLimitKeepsTheThreadsCount() {
        try (IntraOpThreads threads = IntraOpThreads.forPass(IntraOpThreads.PARALLEL_FROM_MULTIPLY_ADDS)) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(2);
        }
        assertThat(JniUtils.getNumThreads()).isEqualTo(2);
    }

    @Test
    void aThreadSetToOneStaysAtOne() {
        JniUtils.setNumThreads(1);
        try (IntraOpThreads threads = IntraOpThreads.forPass(0)) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(1);
        }
        assertThat(JniUtils.getNumThreads()).isEqualTo(1);
    }

    @Test
    void aLargeProductInsideASmallPassRunsOnTheThreadsCountAndGivesTheOneBack() {
        try (IntraOpThreads pass = IntraOpThreads.forPass(0)) {
            try (IntraOpThreads product = IntraOpThreads.forProduct(() -> IntraOpThreads.PRODUCT_PARALLEL_FROM_MULTIPLY_ADDS)) {
                assertThat(JniUtils.getNumThreads()).isEqualTo(2);
            }
            assertThat(JniUtils.getNumThreads()).isEqualTo(1);
        }
        assertThat(JniUtils.getNumThreads()).isEqualTo(2);
    }

    @Test
    void aSmallProductInsideASmallPassStaysOnOneThread() {
        try (IntraOpThreads pass = IntraOpThreads.forPass(0);
                IntraOpThreads product = IntraOpThreads.forProduct(() -> IntraOpThreads.PRODUCT_PARALLEL_FROM_MULTIPLY_ADDS - 1)) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(1);
        }
    }

    @Test
    void aProductOutsideASmallPassIsNotCounted() {
        try (IntraOpThreads product = IntraOpThreads.forProduct(() -> {
            throw new AssertionError("multiply-adds counted outside a small pass");
        })) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(2);
        }
    }

    @Test
    void aProductOutsideASmallPassKeepsTheThreadsCount() {
        try (IntraOpThreads product = IntraOpThreads.forProduct(() -> Long.MAX_VALUE)) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(2);
        }
        JniUtils.setNumThreads(1);
        try (IntraOpThreads product = IntraOpThreads.forProduct(() -> Long.MAX_VALUE)) {
            assertThat(JniUtils.getNumThreads()).as("a thread set to one is never raised").isEqualTo(1);
        }
        try (IntraOpThreads pass = IntraOpThreads.forPass(IntraOpThreads.PARALLEL_FROM_MULTIPLY_ADDS);
                IntraOpThreads product = IntraOpThreads.forProduct(() -> Long.MAX_VALUE)) {
            assertThat(JniUtils.getNumThreads()).as("inside a large pass at one thread").isEqualTo(1);
        }
    }

    @Test
    void aPassAloneRunsEvenItsLargeProductsOnOneThreadAndRestoresTheCount() {
        try (IntraOpThreads pass = IntraOpThreads.forPass(0)) {
            try (IntraOpThreads alone = IntraOpThreads.alone()) {
                assertThat(JniUtils.getNumThreads()).isEqualTo(1);
                try (IntraOpThreads product = IntraOpThreads.forProduct(() -> Long.MAX_VALUE)) {
                    assertThat(JniUtils.getNumThreads()).as("a large product in a pass alone").isEqualTo(1);
                }
            }
            try (IntraOpThreads product = IntraOpThreads.forProduct(() -> Long.MAX_VALUE)) {
                assertThat(JniUtils.getNumThreads()).as("the enclosing small pass's products, after").isEqualTo(2);
            }
        }
        try (IntraOpThreads alone = IntraOpThreads.alone()) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(1);
        }
        assertThat(JniUtils.getNumThreads()).isEqualTo(2);
    }

    @Test
    void aNestedSmallPassKeepsTheOuterPassesCountForItsProductsAndAfterIt() {
        long large = IntraOpThreads.PRODUCT_PARALLEL_FROM_MULTIPLY_ADDS;
        try (IntraOpThreads outer = IntraOpThreads.forPass(0)) {
            try (IntraOpThreads inner = IntraOpThreads.forPass(0); IntraOpThreads product = IntraOpThreads.forProduct(() -> large)) {
                assertThat(JniUtils.getNumThreads()).isEqualTo(2);
            }
            try (IntraOpThreads product = IntraOpThreads.forProduct(() -> large)) {
                assertThat(JniUtils.getNumThreads()).isEqualTo(2);
            }
        }
        JniUtils.setNumThreads(1);
        try (IntraOpThreads product = IntraOpThreads.forProduct(() -> large)) {
            assertThat(JniUtils.getNumThreads()).as("after every pass closed").isEqualTo(1);
        }
    }

    @Test
    void anotherThreadKeepsItsCountWhileASmallPassRuns() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            other.submit(() -> { // the thread's first call takes libtorch's start value, then its own count
                JniUtils.getNumThreads();
                JniUtils.setNumThreads(2);
            }).get();
            try (IntraOpThreads threads = IntraOpThreads.forPass(0)) {
                assertThat(JniUtils.getNumThreads()).isEqualTo(1);
                assertThat(CompletableFuture.supplyAsync(JniUtils::getNumThreads, other).get()).isEqualTo(2);
            }
        } finally {
            other.shutdown();
        }
    }

    @Test
    void aModelSizesItsPassesByTheirRowsTimesItsMultiplyAdds() {
        // 1,000 → 1,000 dense, ReLU, 1,000 → 10: about a million multiply-adds per row
        Graph graph = Graph.chain(new long[] {1000}, List.of(
                new Dense(new HostTensor(new long[] {1000, 1000}, new double[1_000_000]), null),
                Activation.of(Activation.Kind.RELU),
                new Dense(new HostTensor(new long[] {10, 1000}, new double[10_000]), null)));
        long perRow = graph.multiplyAddsPerSample();
        long smallest = (IntraOpThreads.PARALLEL_FROM_MULTIPLY_ADDS + perRow - 1) / perRow;
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            try (IntraOpThreads threads = model.threadsFor(smallest - 1)) {
                assertThat(JniUtils.getNumThreads()).as("%d rows", smallest - 1).isEqualTo(1);
            }
            try (IntraOpThreads threads = model.threadsFor(smallest)) {
                assertThat(JniUtils.getNumThreads()).as("%d rows", smallest).isEqualTo(2);
            }
        }
    }
}
