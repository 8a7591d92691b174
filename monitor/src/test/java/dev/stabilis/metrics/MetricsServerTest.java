package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesMetricsHealthAndReadinessAndNothingElse() throws Exception {
        PrometheusMeterRegistry registry = Registries.prometheus("test");
        Counter.builder("stabilis.samples").tag("outcome", "certified").register(registry).increment(3);
        AtomicBoolean ready = new AtomicBoolean(false);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, ready::get)) {
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> metrics = get(base + "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(metrics.body()).contains("stabilis_samples_total{outcome=\"certified\",role=\"test\"} 3.0")
                    .contains("jvm_memory_used_bytes");
            assertThat(get(base + "/health").statusCode()).isEqualTo(200);
            assertThat(get(base + "/ready").statusCode()).as("not ready yet").isEqualTo(503);
            ready.set(true);
            assertThat(get(base + "/ready").statusCode()).isEqualTo(200);
            assertThat(get(base + "/").statusCode()).isEqualTo(404);
            assertThat(get(base + "/metrics/../admin").statusCode()).isEqualTo(404);
            assertThat(get(base + "/healthz").statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
