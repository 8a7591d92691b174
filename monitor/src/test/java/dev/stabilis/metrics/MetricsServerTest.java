package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
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

    @Test
    void answersOnlyGetAndHeadOnItsThreePathsAndNeverEchoesTheRequest() throws Exception {
        PrometheusMeterRegistry registry = Registries.prometheus("test");
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, () -> true)) {
            String base = "http://127.0.0.1:" + server.port();
            for (String path : List.of("/metrics", "/health", "/ready")) {
                HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + path))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(head.statusCode()).as("HEAD %s", path).isEqualTo(200);
                assertThat(head.body()).as("HEAD %s has no body", path).isEmpty();
                for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")) {
                    HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(base + path))
                            .method(method, HttpRequest.BodyPublishers.ofString("marker-body")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(other.statusCode()).as("%s %s", method, path).isEqualTo(405);
                    assertThat(other.headers().firstValue("Allow")).as("%s %s", method, path).hasValue("GET, HEAD");
                    assertThat(other.body()).as("%s %s", method, path).doesNotContain("marker");
                }
            }
            for (String path : List.of("/", "/metrics/", "/health/x", "/ready.html", "/admin", "/..%2F..%2Fetc%2Fpasswd",
                    "/marker-path?marker-query=1", "/%3Cscript%3Emarker%3C/script%3E")) {
                HttpResponse<String> response = get(base + path);
                assertThat(response.statusCode()).as("GET %s", path).isEqualTo(404);
                assertThat(response.body()).as("GET %s", path).isEqualTo("not found\n");
            }
            HttpResponse<String> withQuery = get(base + "/health?marker=1");
            assertThat(withQuery.statusCode()).isEqualTo(200);
            assertThat(withQuery.body()).isEqualTo("ok\n");
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
