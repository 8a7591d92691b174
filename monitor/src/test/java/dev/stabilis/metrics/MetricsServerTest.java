package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
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

    @Test
    void clientsHoldingHalfSentRequestsDelayNoProbe() throws Exception {
        PrometheusMeterRegistry registry = Registries.prometheus("test");
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, () -> true)) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    slow.add(halfSentRequest(server.port()));
                }
                String base = "http://127.0.0.1:" + server.port();
                for (String path : List.of("/health", "/ready", "/metrics")) {
                    long start = System.nanoTime();
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(2))
                            .GET().build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).as(path).isEqualTo(200);
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).as(path).isLessThan(Duration.ofSeconds(2));
                }
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void aHalfSentRequestIsCutOffAfterTheRequestTimeout() throws Exception {
        PrometheusMeterRegistry registry = Registries.prometheus("test");
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, () -> true);
                Socket socket = halfSentRequest(server.port())) {
            socket.setSoTimeout(30_000);
            long start = System.nanoTime();
            int read;
            try {
                read = socket.getInputStream().read();
            } catch (SocketException reset) {
                read = -1;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(read).as("the server closed the connection without answering").isEqualTo(-1);
            assertThat(seconds).as("seconds until the server closed it").isBetween(MetricsServer.REQUEST_SECONDS - 1.0,
                    MetricsServer.REQUEST_SECONDS + 3.0);
        }
    }

    @Test
    void servesOpenMetricsAndGzipWhenTheScraperAsksForThem() throws Exception {
        PrometheusMeterRegistry registry = Registries.prometheus("test");
        Counter.builder("stabilis.samples").tag("outcome", "certified").register(registry).increment(3);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, () -> true)) {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                    .header("Accept-Encoding", "gzip").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/openmetrics-text"));
            assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
            String body = new String(new GZIPInputStream(new ByteArrayInputStream(response.body())).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(body).contains("stabilis_samples_total{outcome=\"certified\",role=\"test\"} 3.0").endsWith("# EOF\n");
        }
    }

    /** A connection that sends the first half of a GET and then nothing. */
    private static Socket halfSentRequest(int port) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
