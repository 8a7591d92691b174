package dev.stabilis.service;

import java.util.Map;

/**
 * How the runner service connects and batches.
 *
 * @param kafka Kafka client settings shared by its consumer and producer ({@code bootstrap.servers} and any
 *     security settings)
 * @param samplesTopic topic the runner reads
 * @param explanationsTopic topic it writes explanations to
 * @param deadLetterTopic topic it writes unexplainable samples to
 * @param groupId consumer group
 * @param transactionalId the transactional producer's id (one per runner instance)
 * @param maxBatch most samples per micro-batch
 * @param maxWaitMillis the longest a micro-batch waits to fill after its first sample ({@link BatchWait})
 * @param maxRecordBytes largest explanation record; a larger one is written again without its per-feature vectors
 * @param positionTimeoutMillis how long an assigned partition may stay without a consumer position before the runner
 *     reports itself stalled ({@link PositionWatch})
 */
public record RunnerSettings(Map<String, String> kafka, String samplesTopic, String explanationsTopic, String deadLetterTopic,
        String groupId, String transactionalId, int maxBatch, long maxWaitMillis, int maxRecordBytes, long positionTimeoutMillis) {

    public RunnerSettings {
        kafka = Map.copyOf(kafka);
        if (!kafka.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("runner: kafka setting 'bootstrap.servers' is required");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("runner: max batch must be at least 1, got " + maxBatch);
        }
        if (maxWaitMillis < 0) {
            throw new IllegalArgumentException("runner: max wait must be >= 0 ms, got " + maxWaitMillis);
        }
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("runner: max record bytes must be at least 1, got " + maxRecordBytes);
        }
    }
}
