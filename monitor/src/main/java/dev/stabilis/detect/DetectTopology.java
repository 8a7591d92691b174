package dev.stabilis.detect;

import dev.stabilis.contract.DeadLetter;
import dev.stabilis.contract.JsonSerde;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * The detect topology: explanations in, alerts out.
 *
 * <pre>
 * explanations ─► read ─┬─► sample rules ─► suppression ─┬─► emit ─► alerts (CloudEvents)
 *                       ├─► baselines ───────────────────┤
 *                       ├─► attribution drift ───────────┘
 *                       └─► dead letters (malformed records)
 * </pre>
 *
 * Keys stay the model name throughout, so every state (baselines, suppression) is co-partitioned with the input
 * and nothing is repartitioned. Run it with {@link #streamsConfig(Map)}, which enforces exactly-once v2.
 */
public final class DetectTopology {

    static final String SOURCE = "explanations";
    static final String READER = "read-explanations";
    static final String DEAD_LETTERS = "dead-letters";
    static final String SAMPLE_RULES = "sample-rules";
    static final String SUPPRESSION = "suppression";
    static final String BASELINES = "baselines";
    static final String DRIFT = "attribution-drift";
    static final String EMITTER = "emit-alerts";
    static final String ALERTS = "alerts";

    private final DetectConfig config;
    private final AlertListener alertListener;
    private final ExplanationListener explanationListener;
    private final DriftConfig driftConfig;
    private final WindowListener windowListener;
    private final DriftListener driftListener;

    public DetectTopology(DetectConfig config, DriftConfig driftConfig, AlertListener alertListener, ExplanationListener explanationListener,
            WindowListener windowListener, DriftListener driftListener) {
        this.config = config;
        this.driftConfig = driftConfig;
        this.alertListener = alertListener;
        this.explanationListener = explanationListener;
        this.windowListener = windowListener;
        this.driftListener = driftListener;
    }

    public DetectTopology(DetectConfig config, AlertListener alertListener, ExplanationListener explanationListener) {
        this(config, DriftConfig.defaults(), alertListener, explanationListener, WindowListener.NONE, DriftListener.NONE);
    }

    public DetectTopology(DetectConfig config) {
        this(config, AlertListener.NONE, ExplanationListener.NONE);
    }

    public Topology build() {
        SampleRules rules = new SampleRules(config.minTopkOverlap());
        return new Topology()
                .addSource(SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), config.explanationsTopic())
                .addProcessor(READER, () -> new ExplanationReader(explanationListener), SOURCE)
                .addSink(DEAD_LETTERS, config.dlqTopic(), new StringSerializer(),
                        new JsonSerde<>(DeadLetter.class).serializer(), READER)
                .addProcessor(SAMPLE_RULES, () -> new SampleRuleProcessor(rules), READER)
                .addProcessor(SUPPRESSION, AlertSuppressor.supplier(config), SAMPLE_RULES)
                .addProcessor(BASELINES, BaselineProcessor.supplier(config, windowListener), READER)
                .addProcessor(DRIFT, AttributionDriftProcessor.supplier(config, driftConfig, driftListener), READER)
                .addProcessor(EMITTER, () -> new AlertEmitter(alertListener, new DashboardLinks(config.dashboardUrl())),
                        SUPPRESSION, BASELINES, DRIFT)
                .addSink(ALERTS, config.alertsTopic(), new StringSerializer(), new AlertEvents(), EMITTER);
    }

    /**
     * Kafka Streams settings for this topology: the given ones with {@code processing.guarantee=exactly_once_v2}.
     * Asking for any other guarantee fails, naming the key.
     */
    public static Properties streamsConfig(Map<?, ?> settings) {
        Object guarantee = settings.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (guarantee != null && !StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee.toString())) {
            throw new IllegalArgumentException(StreamsConfig.PROCESSING_GUARANTEE_CONFIG + " must be "
                    + StreamsConfig.EXACTLY_ONCE_V2 + " for the detect topology, got '" + guarantee + "'");
        }
        Properties properties = new Properties();
        properties.putAll(settings);
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return properties;
    }
}
