package dev.stabilis.report;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.ContractException;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the report's records from the topics as any subscriber would ({@code read_committed}, no consumer group):
 * the alerts from a start time up to the end the topic had when the scan began, then the explanations and samples
 * those alerts cite, from a minute before the earliest cited alert starts. Records that are no valid record of their
 * contract are left out and counted ({@link ReportInputs#skipped()}).
 */
public final class TopicScan {

    /** How far before an alert's {@code startsAt} its samples' explanations are looked for. */
    private static final long SLACK_MS = 60_000;

    private final Map<String, String> kafka;

    public TopicScan(Map<String, String> kafka) {
        this.kafka = kafka;
    }

    /**
     * @param sinceMillis the alerts from this record time on (epoch ms)
     */
    public ReportInputs read(String alertsTopic, String explanationsTopic, String samplesTopic, long sinceMillis) {
        List<Alert> alerts = new ArrayList<>();
        int[] skipped = {0};
        scan(alertsTopic, sinceMillis, r -> {
            try {
                alerts.add(Alert.read(r.value()));
            } catch (ContractException e) {
                skipped[0]++;
            }
        });
        Set<String> cited = ReportInputs.cited(alerts);
        Map<String, Explanation> explanations = new LinkedHashMap<>();
        Map<String, Sample> samples = new LinkedHashMap<>();
        if (!cited.isEmpty()) {
            long from = alerts.stream().filter(a -> a.evidence() != null && !a.evidence().isEmpty()).mapToLong(Alert::startsAtMillis).min()
                    .orElse(sinceMillis) - SLACK_MS;
            scan(explanationsTopic, from, r -> {
                try {
                    Explanation e = Explanation.read(r.value());
                    if (cited.contains(e.sampleId())) {
                        explanations.put(e.sampleId(), e);
                    }
                } catch (ContractException e) {
                    skipped[0]++;
                }
            });
            scan(samplesTopic, from, r -> {
                try {
                    Sample s = Sample.read(r.value());
                    String id = s.requestId() + "#" + s.index();
                    if (cited.contains(id)) {
                        samples.put(id, s);
                    }
                } catch (ContractException e) {
                    skipped[0]++;
                }
            });
        }
        String source = "topics " + alertsTopic + ", " + explanationsTopic + ", " + samplesTopic;
        return new ReportInputs(source, List.copyOf(alerts), explanations, samples, skipped[0]);
    }

    /** Every committed record of a topic from a record time up to the end it had when the scan began. */
    private void scan(String topic, long fromMillis, Consumer<ConsumerRecord<String, byte[]>> each) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new ReportInputs.InputException("topic '" + topic + "' does not exist");
            }
            infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(p -> times.put(p, Math.max(0, fromMillis)));
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times);
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition p : partitions) {
                OffsetAndTimestamp start = starts.get(p);
                long offset = start == null ? ends.get(p) : start.offset();
                consumer.seek(p, offset);
                if (offset < ends.get(p)) {
                    remaining.put(p, ends.get(p));
                }
            }
            while (!remaining.isEmpty()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition p = new TopicPartition(r.topic(), r.partition());
                    if (remaining.containsKey(p) && r.offset() < remaining.get(p)) {
                        each.accept(r);
                    }
                }
                remaining.keySet().removeIf(p -> consumer.position(p) >= remaining.get(p));
            }
        }
    }
}
