package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.state.BoundedRocksDbMemory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class MonitorAppTest {

    @Test
    void aStreamThreadRefusedByKafkaStopsTheTopologyInsteadOfBeingReplacedForever() {
        assertThat(MonitorApp.onStreamThreadFailure(new StreamsException(new SaslAuthenticationException("invalid credentials"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(MonitorApp.onStreamThreadFailure(new SslAuthenticationException("handshake failed")))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(MonitorApp.onStreamThreadFailure(new StreamsException(new TopicAuthorizationException("not authorized"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void aStreamThreadFencedByAnotherMonitorWithTheSameInstanceIdStopsTheTopology() {
        assertThat(MonitorApp.onStreamThreadFailure(new StreamsException(new FencedInstanceIdException("fenced"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void anyOtherStreamThreadFailureIsReplaced() {
        assertThat(MonitorApp.onStreamThreadFailure(new StreamsException(new TimeoutException("broker away"))))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(MonitorApp.onStreamThreadFailure(new IllegalStateException("bug")))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }

    @Test
    void bothStreamsApplicationsBoundTheirStateStoresMemoryBySetting() {
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.monitor.rocksdb.memory.bytes", "134217728"));
        Properties props = new Properties();
        MonitorApp.streamsCommon(config, config.kafka(), "host-monitor", props);
        assertThat(props.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(BoundedRocksDbMemory.class);
        assertThat(props.get(BoundedRocksDbMemory.MEMORY_BYTES)).isEqualTo("134217728");
        assertThat(MonitorApp.rocksDbMemoryBytes(StabilisConfig.load(null, Map.of(), Map.of(), Map.of()))).isEqualTo(256L << 20);
    }

    @Test
    void aRocksDbBoundBelow16MiBOrNotANumberFailsAtStartNamingTheKey() {
        for (String invalid : new String[] {"1024", "lots", ""}) {
            StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.monitor.rocksdb.memory.bytes", invalid));
            assertThatThrownBy(() -> new MonitorApp(config, new SimpleMeterRegistry()))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("stabilis.monitor.rocksdb.memory.bytes");
        }
    }

    @Test
    void anInvalidClassLabelRuleFailsAtStartNamingTheKey() {
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), Map.of("stabilis.monitor.metrics.class.label", "first:0"));
        assertThatThrownBy(() -> new MonitorApp(config, new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stabilis.monitor.metrics.class.label").hasMessageContaining("'first:0'");
    }
}
