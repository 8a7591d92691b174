package dev.stabilis.app;

import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.detect.DetectConfig;
import dev.stabilis.detect.DetectTopology;
import dev.stabilis.detect.DriftConfig;
import dev.stabilis.detect.ExplanationListener;
import dev.stabilis.ingest.IngestConfig;
import dev.stabilis.ingest.IngestFilters;
import dev.stabilis.ingest.IngestStreamsConfig;
import dev.stabilis.ingest.IngestTopology;
import dev.stabilis.ingest.RepositoryModelCatalog;
import dev.stabilis.metrics.AlertCounter;
import dev.stabilis.metrics.DeadLetterMeter;
import dev.stabilis.metrics.DriftGauges;
import dev.stabilis.metrics.WindowGauges;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.service.ClassLabels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import dev.stabilis.state.BoundedRocksDbMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor process's parts, built from the configuration: the ingest and detect topologies as two Kafka
 * Streams applications ({@code <id>-ingest}, {@code <id>-detect}), and the dead-letter meter.
 *
 * <p><b>Restarts.</b> Both applications are static members of their groups ({@code group.instance.id} from
 * {@code stabilis.monitor.instance.id}, by default the host name and {@code -monitor}), so a monitor restarted after a
 * crash takes its tasks back at once instead of waiting out the dead member's session. Sessions last 10 s unless
 * {@code kafka.session.timeout.ms} says otherwise, so a monitor that does not come back (a pod rescheduled under
 * another name) hands its tasks on within that. A monitor that stops on purpose leaves its groups. The ingest does
 * not idle for the other side of the request/response join ({@code max.task.idle.ms} stays Kafka's 0): a backlog
 * replayed out of order after an outage still joins, because the join holds each side for the other
 * ({@link IngestTopology}), and a 2 s idle cost every sample about 0.5 s at low traffic (BENCHMARKS.md).
 */
public final class MonitorApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorApp.class);

    private final KafkaStreams ingest;
    private final KafkaStreams detect;
    private final DeadLetterMeter deadLetters;
    private final Thread deadLetterThread;

    /**
     * Checks the configuration and that Kafka accepts the client settings ({@link KafkaAccess}), then builds both
     * topologies; {@link #start()} runs them.
     */
    public MonitorApp(StabilisConfig config, MeterRegistry registry) {
        String applicationId = config.required("stabilis.monitor.application.id");
        String instanceId = MonitorInstance.id(config);
        Map<String, String> kafka = config.kafka();
        IngestConfig ingestConfig = IngestConfig.from(ingestSettings(config));
        DetectConfig detectConfig = detectConfig(config);
        DriftConfig driftConfig = driftConfig(config);
        rocksDbMemoryBytes(config);
        ClassLabels classLabels = config.classLabels("stabilis.monitor.metrics.class.label");
        ModelRepository repository = new ModelRepository(config.directory("stabilis.models.repository"));
        // the access check runs while both applications are built, so that a restarted monitor is back sooner
        CompletableFuture<Void> access = CompletableFuture.runAsync(() -> KafkaAccess.verify(kafka, KafkaAccess.START_TIMEOUT));
        List<KafkaStreams> built = new ArrayList<>();
        try {
            Properties ingestProps = IngestStreamsConfig.properties(applicationId + "-ingest", kafka.get("bootstrap.servers"), ingestConfig);
            streamsCommon(config, kafka, instanceId, ingestProps);
            built.add(new KafkaStreams(new IngestTopology(ingestConfig, ingestFilters(config), new RepositoryModelCatalog(repository),
                    reason -> Counter.builder("stabilis.ingest.skipped")
                            .description("Records on the input topics that are not Stabilis' to judge (another model or CloudEvent type)")
                            .tag("reason", reason).register(registry).increment()).build(), ingestProps));

            Map<String, Object> detectSettings = new HashMap<>(kafka);
            detectSettings.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId + "-detect");
            Properties detectProps = DetectTopology.streamsConfig(detectSettings);
            streamsCommon(config, kafka, instanceId, detectProps);
            WindowGauges windowGauges = new WindowGauges(registry, classLabels);
            AlertCounter alerts = new AlertCounter(registry, classLabels);
            built.add(new KafkaStreams(new DetectTopology(detectConfig, driftConfig, alert -> {
                alerts.count(alert);
                windowGauges.onAlert(alert);
            }, ExplanationListener.NONE, windowGauges, new DriftGauges(registry, classLabels)).build(), detectProps));
            access.join();
            Topics.requireExisting(kafka, Topics.monitor(config, ingestConfig), "monitor");
        } catch (RuntimeException e) {
            built.forEach(streams -> streams.close(Duration.ZERO));
            throw accessFailure(access).orElse(e);
        }
        this.ingest = built.get(0);
        this.detect = built.get(1);

        new KafkaStreamsMetrics(ingest).bindTo(registry);
        new KafkaStreamsMetrics(detect).bindTo(registry);
        this.deadLetters = new DeadLetterMeter(kafka, config.required("stabilis.topics.dlq"), deadLetterGroup(applicationId), registry);
        this.deadLetterThread = new Thread(deadLetters, "stabilis-dlq-meter");
        deadLetterThread.setDaemon(true);
    }

    /**
     * Why Kafka refused the client settings, once the check is done: its message names the settings to fix, which an
     * application failing on the same settings does not.
     */
    private static Optional<RuntimeException> accessFailure(CompletableFuture<Void> access) {
        try {
            access.join();
            return Optional.empty();
        } catch (CompletionException e) {
            return Optional.of(e.getCause() instanceof RuntimeException cause ? cause : e);
        }
    }

    /** The consumer group in which every monitor instance of a deployment counts dead letters. */
    public static String deadLetterGroup(String applicationId) {
        return applicationId + "-dlq-meter";
    }

    private static Map<String, String> ingestSettings(StabilisConfig config) {
        Map<String, String> settings = new HashMap<>();
        for (String key : new String[] {IngestConfig.MAX_PAYLOAD_BYTES, IngestConfig.MAX_HEADER_BYTES, IngestConfig.JOIN_ENABLED,
                IngestConfig.JOIN_WINDOW_MS, IngestConfig.JOIN_GRACE_MS}) {
            settings.put(key, config.required(key));
        }
        settings.put(IngestConfig.DEDUP_RETENTION_MS, config.text(IngestConfig.DEDUP_RETENTION_MS));
        settings.put(IngestConfig.REQUESTS_TOPIC, config.required("stabilis.topics.requests"));
        settings.put(IngestConfig.RESPONSES_TOPIC, config.required("stabilis.topics.responses"));
        settings.put(IngestConfig.SAMPLES_TOPIC, config.required("stabilis.topics.samples"));
        settings.put(IngestConfig.DLQ_TOPIC, config.required("stabilis.topics.dlq"));
        return settings;
    }

    private static IngestFilters ingestFilters(StabilisConfig config) {
        try {
            return IngestFilters.from(config.withPrefix("stabilis.ingest."));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The {@code stabilis.detect.*} settings and the shared topic names; the detect topology checks them. */
    private static DetectConfig detectConfig(StabilisConfig config) {
        Map<String, String> settings = new HashMap<>(config.withPrefix(DetectConfig.PREFIX));
        for (String topic : new String[] {DetectConfig.EXPLANATIONS_TOPIC, DetectConfig.ALERTS_TOPIC, DetectConfig.DLQ_TOPIC}) {
            settings.put(topic, config.required(topic));
        }
        try {
            return DetectConfig.from(settings);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static DriftConfig driftConfig(StabilisConfig config) {
        try {
            return DriftConfig.from(config.withPrefix(DriftConfig.PREFIX));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The bound of the state stores' off-heap memory ({@link BoundedRocksDbMemory}), checked. */
    static long rocksDbMemoryBytes(StabilisConfig config) {
        try {
            return BoundedRocksDbMemory.bytes(Map.of(BoundedRocksDbMemory.MEMORY_BYTES, config.text(BoundedRocksDbMemory.MEMORY_BYTES)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    static void streamsCommon(StabilisConfig config, Map<String, String> kafka, String instanceId, Properties props) {
        kafka.forEach(props::putIfAbsent);
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        props.put(BoundedRocksDbMemory.MEMORY_BYTES, Long.toString(rocksDbMemoryBytes(config)));
        // Kafka Streams appends each stream thread's index
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        props.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        props.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
        String stateDir = config.text("stabilis.monitor.state.dir");
        if (!stateDir.isBlank()) {
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        }
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // read_committed fetches otherwise wait up to 500 ms for data that committed just after they were sent
        props.putIfAbsent(StreamsConfig.mainConsumerPrefix("fetch.max.wait.ms"), "50");
    }

    public void start() {
        ingest.setUncaughtExceptionHandler(MonitorApp::onStreamThreadFailure);
        detect.setUncaughtExceptionHandler(MonitorApp::onStreamThreadFailure);
        ingest.start();
        detect.start();
        deadLetterThread.start();
    }

    /**
     * A failed stream thread is replaced, unless Kafka refused the client's credentials or permissions, or another
     * monitor took this one's static membership: a new thread would fail the same way forever, so the topology stops
     * and {@link #failed()} ends the process.
     */
    static StreamThreadExceptionResponse onStreamThreadFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FencedInstanceIdException) {
                LOG.error("another monitor joined with this monitor's group.instance.id; stopping (give each monitor process its "
                        + "own stabilis.monitor.instance.id)", e);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                LOG.error("Kafka refused the monitor's credentials or permissions; stopping (check the kafka.* settings and ACLs)", e);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
        }
        LOG.error("stream thread failed; replacing it", e);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Whether both topologies are running. */
    public boolean ready() {
        return ingest.state() == KafkaStreams.State.RUNNING && detect.state() == KafkaStreams.State.RUNNING;
    }

    /** Whether a topology has stopped for good. */
    public boolean failed() {
        return !ingest.state().isRunningOrRebalancing() && ingest.state() != KafkaStreams.State.CREATED
                || !detect.state().isRunningOrRebalancing() && detect.state() != KafkaStreams.State.CREATED;
    }

    @Override
    public void close() {
        deadLetters.close();
        // a static member stays in its group when it closes; a monitor that stops on purpose hands its tasks on
        CloseOptions leave = CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30));
        ingest.close(leave);
        detect.close(leave);
    }
}
