package dev.stabilis.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stabilis.kafka.SharedBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {

    @Test
    void aPlainKafkaClientProducesAndConsumesTransactionallyOnLoopback() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        assertThat(bootstrap).startsWith("127.0.0.1:");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("broker-test", 2, (short) 1))).all().get();
        }
        Properties producerProps = new Properties();
        producerProps.put("bootstrap.servers", bootstrap);
        producerProps.put("transactional.id", "broker-test");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("broker-test", "a", "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("broker-test", "a", "aborted"));
            producer.flush();
            producer.abortTransaction();
        }
        Properties consumerProps = new Properties();
        consumerProps.put("bootstrap.servers", bootstrap);
        consumerProps.put("group.id", "broker-test");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put("isolation.level", "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("broker-test"));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
        }
        assertThat(values).containsExactly("committed");
    }

    @Test
    void scramUsersThatWouldBreakTheFormatArgumentsAreRefusedWithoutEchoingThePassword() {
        Path none = Path.of("none.p12");
        assertThatThrownBy(() -> new EmbeddedKafkaBroker.SaslSsl(none, "k", none, "t", Map.of("alice", "pass,word]")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alice").hasMessageNotContaining("pass,word");
        assertThat(new EmbeddedKafkaBroker.SaslSsl(none, "key-secret", none, "trust-secret", Map.of("alice", "alice-secret")).toString())
                .contains("alice").doesNotContain("secret");
    }

    @Test
    void restartingOnTheSameLogDirectoryAndPortsKeepsTopicsAndCommittedRecords(@TempDir Path logs) throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start("127.0.0.1", port, controllerPort, logs, Map.of())) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            }
            Properties producerProps = new Properties();
            producerProps.put("bootstrap.servers", broker.bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("kept", "a", "before the restart")).get();
            }
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start("127.0.0.1", port, controllerPort, logs, Map.of())) {
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            Properties consumerProps = new Properties();
            consumerProps.put("bootstrap.servers", broker.bootstrapServers());
            consumerProps.put("group.id", "kept-reader");
            consumerProps.put("auto.offset.reset", "earliest");
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("kept"));
                long deadline = System.currentTimeMillis() + 30_000;
                while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                }
            }
            assertThat(values).containsExactly("before the restart");
        }
        assertThat(logs).as("a given log directory is the caller's: kept at close").isDirectoryContaining("glob:**/meta.properties");
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
