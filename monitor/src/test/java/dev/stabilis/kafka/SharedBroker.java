package dev.stabilis.kafka;

import dev.stabilis.demo.EmbeddedKafkaBroker;

/**
 * The one embedded KRaft broker of a test run, started on first use and stopped when the JVM exits. Tests
 * keep out of each other's way by using their own topic names.
 */
public final class SharedBroker {

    private static EmbeddedKafkaBroker broker;

    private SharedBroker() {}

    /** {@code bootstrap.servers} of the shared broker. */
    public static synchronized String bootstrapServers() {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.startOnFreePort();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "shared-broker-shutdown"));
        }
        return broker.bootstrapServers();
    }
}
