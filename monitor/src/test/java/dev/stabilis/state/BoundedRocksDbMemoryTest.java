package dev.stabilis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;

class BoundedRocksDbMemoryTest {

    private static final Map<String, Object> CONFIGS = Map.of(BoundedRocksDbMemory.MEMORY_BYTES, "67108864");

    @Test
    void everyStoreChargesOneSharedCacheAndWriteBufferManager() {
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options first = new Options(); Options second = new Options()) {
            first.setTableFormatConfig(new BlockBasedTableConfig());
            second.setTableFormatConfig(new BlockBasedTableConfig());
            setter.setConfig("store-a", first, CONFIGS);
            setter.setConfig("store-b", second, CONFIGS);
            assertThat(first.writeBufferManager()).isNotNull().isSameAs(second.writeBufferManager());
            BlockBasedTableConfig table = (BlockBasedTableConfig) first.tableFormatConfig();
            assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
            assertThat(table.pinTopLevelIndexAndFilter()).isTrue();
            assertThat(first.maxWriteBufferNumber()).isEqualTo(3);
            assertThat(first.writeBufferSize()).isEqualTo(67108864L / 2 / 3);
        }
    }

    @Test
    void theBoundIsAWholeNumberOfAtLeast16MiB() {
        assertThat(BoundedRocksDbMemory.bytes(CONFIGS)).isEqualTo(64L << 20);
        assertThat(BoundedRocksDbMemory.bytes(Map.of(BoundedRocksDbMemory.MEMORY_BYTES, 16L << 20))).isEqualTo(16L << 20);
        for (Object invalid : new Object[] {"", "256Mi", "-1", "16777215", 0L}) {
            assertThatThrownBy(() -> BoundedRocksDbMemory.bytes(Map.of(BoundedRocksDbMemory.MEMORY_BYTES, invalid)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stabilis.monitor.rocksdb.memory.bytes");
        }
        assertThatThrownBy(() -> BoundedRocksDbMemory.bytes(Map.of())).hasMessageContaining("stabilis.monitor.rocksdb.memory.bytes");
    }
}
