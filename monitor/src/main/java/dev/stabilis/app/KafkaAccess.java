package dev.stabilis.app;

import dev.stabilis.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Checks at start that the Kafka cluster answers with the configured client settings, so that a wrong password, an
 * untrusted certificate or a listener of another protocol stops the process with an error naming the settings to
 * fix, instead of clients that retry forever. Messages come from Kafka's exceptions, which never carry passwords.
 */
public final class KafkaAccess {

    /** How long a process waits at start for the cluster to answer. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private KafkaAccess() {}

    /**
     * Asks the cluster for its id.
     *
     * @param kafka Kafka client settings (bootstrap.servers, security.protocol, sasl.*, ssl.*)
     * @throws ConfigException when the settings cannot be used or the cluster rejects the client's authentication
     * @throws IllegalStateException when no broker answers within {@code timeout}
     */
    public static void verify(Map<String, String> kafka, Duration timeout) {
        String servers = kafka.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "stabilis-access-check");
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).clusterId().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AuthenticationException) {
                throw new ConfigException("Kafka at " + servers + " rejected the client's authentication; check kafka.security.protocol, "
                        + "kafka.sasl.mechanism, kafka.sasl.jaas.config and kafka.ssl.*: " + cause.getMessage());
            }
            if (cause instanceof TimeoutException) {
                throw new IllegalStateException("no Kafka broker at " + servers + " answered within " + timeout.toSeconds()
                        + " s; check kafka.bootstrap.servers and that kafka.security.protocol matches the listener ("
                        + kafka.getOrDefault("security.protocol", "PLAINTEXT") + " configured)");
            }
            throw new IllegalStateException("cannot reach Kafka at " + servers + ": " + cause.getMessage(), cause);
        } catch (KafkaException e) {
            throw new ConfigException("the kafka.* client settings cannot be used: " + causes(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka at " + servers, e);
        }
    }

    /** The messages of an exception and its causes, for errors such as an unreadable trust store behind a generic one. */
    private static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !out.toString().contains(t.getMessage())) {
                out.append(out.isEmpty() ? "" : ": ").append(t.getMessage());
            }
        }
        return out.toString();
    }
}
