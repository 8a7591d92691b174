package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
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
}
