package dev.stabilis.state;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of every RocksDB state store of the process (Kafka Streams' "bounded memory" recipe):
 * one LRU block cache of {@link #MEMORY_BYTES} bytes, shared by all stores of both Streams applications, holds the
 * data blocks, index and filter blocks, and, through a write-buffer manager charging it, the memtables (at most
 * half of it). Without it each store segment has its own 50 MB block cache and memtables, which outgrows the
 * monitor's memory limit as windows and partitions add segments.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

    /** The Streams config key (and Stabilis setting) of the bound in bytes. */
    public static final String MEMORY_BYTES = "stabilis.monitor.rocksdb.memory.bytes";

    /** The smallest bound accepted: 16 MiB. */
    public static final long MIN_BYTES = 16L << 20;

    private static final double INDEX_FILTER_BLOCK_RATIO = 0.1;
    private static final long BLOCK_SIZE = 16 * 1024;
    private static final int MEMTABLES = 3;

    /** One cache and write-buffer manager per bound: shared by every store configured with it, never closed. */
    private static final Map<Long, Shared> SHARED = new ConcurrentHashMap<>();

    private record Shared(Cache cache, WriteBufferManager writeBuffers) {}

    /**
     * Reads the bound.
     *
     * @throws IllegalArgumentException naming the key, when it is missing, not a whole number, or below {@link #MIN_BYTES}
     */
    public static long bytes(Map<String, ?> configs) {
        Object value = configs.get(MEMORY_BYTES);
        long bytes;
        try {
            bytes = Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setting '" + MEMORY_BYTES + "' must be a whole number of bytes, got '" + value + "'");
        }
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException("setting '" + MEMORY_BYTES + "' must be at least " + MIN_BYTES + " (16 MiB), got " + bytes);
        }
        return bytes;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long bytes = bytes(configs);
        Shared shared = SHARED.computeIfAbsent(bytes, b -> {
            Cache cache = new LRUCache(b, -1, false, INDEX_FILTER_BLOCK_RATIO);
            return new Shared(cache, new WriteBufferManager(b / 2, cache));
        });
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        table.setBlockSize(BLOCK_SIZE);
        options.setWriteBufferManager(shared.writeBuffers());
        options.setMaxWriteBufferNumber(MEMTABLES);
        options.setWriteBufferSize(bytes / 2 / MEMTABLES);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write-buffer manager are shared by every store: they live as long as the process
    }
}
