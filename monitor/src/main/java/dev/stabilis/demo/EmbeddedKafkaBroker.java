package dev.stabilis.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;
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
 * the broker created it; the same directory and ports restart the same cluster with its topics and data. The
 * client listener speaks PLAINTEXT, or SASL_SSL with SCRAM-SHA-512 ({@link #startSaslSsl}); the controller
 * listener stays PLAINTEXT on the same loopback address.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final String CONTROLLER = "CONTROLLER";
    private static final String SCRAM = "SCRAM-SHA-512";
    private static final String BROKER_USER = "stabilis-embedded-broker";

    /**
     * TLS and SASL/SCRAM on the client listener.
     *
     * @param keystore the broker's PKCS12 key store (its certificate must name the listen address)
     * @param truststore a PKCS12 trust store that trusts that certificate (the broker's own inter-broker client uses it)
     * @param users SCRAM-SHA-512 user names and passwords, created when the log directory is formatted; letters,
     *     digits, '.', '_' and '-' only, as they go into format arguments and JAAS lines unquoted
     */
    public record SaslSsl(Path keystore, String keystorePassword, Path truststore, String truststorePassword, Map<String, String> users) {

        private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._-]+");

        public SaslSsl {
            users = Map.copyOf(users);
            users.forEach((name, password) -> {
                if (!PLAIN.matcher(name).matches() || !PLAIN.matcher(password).matches()) {
                    throw new IllegalArgumentException("SCRAM user '" + (PLAIN.matcher(name).matches() ? name : "?")
                            + "': names and passwords may hold only letters, digits, '.', '_' and '-'");
                }
            });
        }

        /** Names the stores and users, never the passwords. */
        @Override
        public String toString() {
            return "SaslSsl[keystore=" + keystore + ", truststore=" + truststore + ", users=" + users.keySet() + "]";
        }

        private Map<String, String> brokerSettings(String brokerPassword) {
            return Map.of(
                    "ssl.keystore.type", "PKCS12",
                    "ssl.keystore.location", keystore.toString(),
                    "ssl.keystore.password", keystorePassword,
                    "ssl.truststore.type", "PKCS12",
                    "ssl.truststore.location", truststore.toString(),
                    "ssl.truststore.password", truststorePassword,
                    "sasl.enabled.mechanisms", SCRAM,
                    "sasl.mechanism.inter.broker.protocol", SCRAM,
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", scramJaas(BROKER_USER, brokerPassword));
        }

        /** {@code --add-scram} arguments of {@code kafka-storage format}, the broker's own user included. */
        private List<String> scramArguments(String brokerPassword) {
            List<String> out = new ArrayList<>();
            users.forEach((name, password) -> out.add(SCRAM + "=[name=" + name + ",password=" + password + "]"));
            out.add(SCRAM + "=[name=" + BROKER_USER + ",password=" + brokerPassword + "]");
            return out;
        }
    }

    /** The {@code sasl.jaas.config} value of a SCRAM client logging in as {@code user}. */
    public static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

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
     * @param overrides broker settings that replace the defaults
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
        return start(host, port, controllerPort, logDirectory, "PLAINTEXT", Map.of(), List.of(), overrides);
    }

    /**
     * Starts a broker whose client listener on a free port of {@code host} is SASL_SSL with SCRAM-SHA-512, with a
     * temporary log directory. Clients need {@code security.protocol=SASL_SSL}, {@code sasl.mechanism=SCRAM-SHA-512},
     * a {@link #scramJaas} login and a trust store for the broker's certificate.
     */
    public static EmbeddedKafkaBroker startSaslSsl(String host, SaslSsl security) {
        String brokerPassword = UUID.randomUUID().toString();
        return start(host, 0, 0, null, "SASL_SSL", security.brokerSettings(brokerPassword), security.scramArguments(brokerPassword),
                Map.of());
    }

    private static EmbeddedKafkaBroker start(String host, int port, int controllerPort, Path logDirectory, String listener,
            Map<String, String> security, List<String> scramArguments, Map<String, String> overrides) {
        boolean owned = logDirectory == null;
        try {
            Path logs = owned ? Files.createTempDirectory("stabilis-kafka-") : Files.createDirectories(logDirectory);
            int clientPort = port == 0 ? freePort(host) : port;
            int quorumPort = controllerPort == 0 ? freePort(host) : controllerPort;
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@" + host + ":" + quorumPort);
            props.put("listeners", listener + "://" + host + ":" + clientPort + "," + CONTROLLER + "://" + host + ":" + quorumPort);
            props.put("advertised.listeners", listener + "://" + host + ":" + clientPort);
            props.put("listener.security.protocol.map", listener + ":" + listener + "," + CONTROLLER + ":PLAINTEXT");
            props.put("controller.listener.names", CONTROLLER);
            props.put("inter.broker.listener.name", listener);
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
            props.putAll(security);
            props.putAll(overrides);
            format(logs, scramArguments);
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

    private static void format(Path logs, List<String> scramArguments) {
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
                    .setScramArguments(scramArguments)
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
