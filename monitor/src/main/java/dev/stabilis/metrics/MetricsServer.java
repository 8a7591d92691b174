package dev.stabilis.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The HTTP endpoints of a Stabilis process on the JDK's HTTP server: {@code /metrics} (the Prometheus client's own
 * handler: Prometheus text, OpenMetrics or protobuf as the scraper asks, gzip when it accepts it), {@code /health}
 * (the process is alive) and {@code /ready} (its Kafka clients are running). GET and HEAD only (other methods: 405);
 * every other path, sub-paths of the three included, is 404 with a fixed body that never echoes the request.
 *
 * <p>Requests are served concurrently, by up to {@value #THREADS} threads, so a slow client cannot hold up a probe;
 * beyond that a new connection is closed at once. A client gets {@value #REQUEST_SECONDS} s to send its request and
 * {@value #RESPONSE_SECONDS} s to read the response before its connection is closed. The JDK server reads those limits
 * from the system properties {@code sun.net.httpserver.maxReqTime} and {@code .maxRspTime} once per JVM, so they are
 * set here before the first server starts, unless the JVM was started with them.
 */
public final class MetricsServer implements AutoCloseable {

    /** Most requests served at once. */
    static final int THREADS = 16;
    /** Seconds a client has to send its request line and headers. */
    static final int REQUEST_SECONDS = 5;
    /** Seconds a client has to read a response. */
    static final int RESPONSE_SECONDS = 30;

    static {
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(RESPONSE_SECONDS));
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving.
     *
     * @param host address to bind (127.0.0.1 for loopback only, 0.0.0.0 in a container)
     * @param port port; 0 picks a free one
     * @param ready whether the process is ready to serve traffic
     */
    public static MetricsServer start(String host, int port, PrometheusMeterRegistry registry, BooleanSupplier ready) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
            server.createContext("/metrics", onlyAt("/metrics", new MetricsHandler(registry.getPrometheusRegistry())));
            server.createContext("/health", onlyAt("/health", exchange -> respond(exchange, 200, "ok\n")));
            server.createContext("/ready", onlyAt("/ready", exchange -> {
                boolean isReady = ready.getAsBoolean();
                respond(exchange, isReady ? 200 : 503, isReady ? "ready\n" : "not ready\n");
            }));
            server.createContext("/", onlyAt(null, exchange -> respond(exchange, 404, "not found\n")));
            ExecutorService executor = executor();
            server.setExecutor(executor);
            server.start();
            return new MetricsServer(server, executor);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Answers GET and HEAD of exactly {@code path} with {@code handler}; other methods get 405, other paths under the
     * context 404.
     */
    private static HttpHandler onlyAt(String path, HttpHandler handler) {
        return exchange -> {
            try (exchange) {
                String method = exchange.getRequestMethod();
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    exchange.sendResponseHeaders(405, -1);
                } else if (path == null || !exchange.getRequestURI().getPath().equals(path)) {
                    respond(exchange, 404, "not found\n");
                } else {
                    handler.handle(exchange);
                }
            }
        };
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Up to {@link #THREADS} daemon threads, none kept idle; a request beyond them is refused (its connection closed). */
    private static ExecutorService executor() {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(0, THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "metrics-http-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
