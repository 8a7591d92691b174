package dev.stabilis.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Apache Kafka broker in KRaft mode (combined broker and controller) running in this JVM: the
 * real server, listening on a loopback address that any Kafka client can reach. Its log directory is formatted
 * at start (as {@code kafka-storage format} does) unless an earlier run formatted it, and deleted at close when
 * the broker created it; the same directory and ports restart the same cluster with its topics and data.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final String CONTROLLER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path logDirectory;
    private final boolean ownsLogDirectory;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, Path logDirectory, boolean ownsLogDirectory) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDirectory = logDirectory;
        this.ownsLogDirectory = ownsLogDirectory;
    }

    /**
     * Formats a log directory and starts the broker.
     *
     * @param host the address to listen on and advertise (for example 127.0.0.1)
     * @param port the client port; 0 picks a free one
     * @param logDirectory where the broker keeps its logs; null for a temporary directory deleted at close
     * @param overrides broker settings that replace the defaults (listeners for SASL or TLS, for example)
     */
    public static EmbeddedKafkaBroker start(String host, int port, Path logDirectory, Map<String, String> overrides) {
        return start(host, port, 0, logDirectory, overrides);
    }

    /**
     * Formats a log directory unless it holds an earlier run's data, and starts the broker.
     *
     * @param controllerPort the KRaft controller's port; 0 picks a free one
     * @see #start(String, int, Path, Map)
     */
    public static EmbeddedKafkaBroker start(String host, int port, int controllerPort, Path logDirectory, Map<String, String> overrides) {
        boolean owned = logDirectory == null;
        try {
            Path logs = owned ? Files.createTempDirectory("stabilis-kafka-") : Files.createDirectories(logDirectory);
            int clientPort = port == 0 ? freePort(host) : port;
            int quorumPort = controllerPort == 0 ? freePort(host) : controllerPort;
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@" + host + ":" + quorumPort);
            props.put("listeners", "PLAINTEXT://" + host + ":" + clientPort + "," + CONTROLLER + "://" + host + ":" + quorumPort);
            props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + clientPort);
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
            props.put("controller.listener.names", CONTROLLER);
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("log.dirs", logs.toString());
            props.put("num.partitions", "1");
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "4");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "4");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", "false");
            props.putAll(overrides);
            format(logs);
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            String advertised = props.getProperty("advertised.listeners");
            return new EmbeddedKafkaBroker(server, advertised.substring(advertised.indexOf("://") + 3), logs, owned);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the broker's log directory", e);
        }
    }

    /** Starts a broker on a free loopback port with a temporary log directory. */
    public static EmbeddedKafkaBroker startOnFreePort() {
        return start("127.0.0.1", 0, null, Map.of());
    }

    private static void format(Path logs) {
        if (Files.exists(logs.resolve("meta.properties"))) {
            return; // formatted by an earlier run: keep its topics
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logs.toString()))
                    .setMetadataLogDirectory(logs.toString())
                    .setControllerListenerName(CONTROLLER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the broker's log directory " + logs + ": " + e.getMessage(), e);
        }
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (ownsLogDirectory) {
            try (Stream<Path> paths = Files.walk(logDirectory)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
