package dev.stabilis.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's chromium, headless, driven over the Chrome DevTools Protocol (a WebSocket, {@link java.net.http}): it loads a
 * page, collects the console's errors (console.error, uncaught exceptions, failed loads), evaluates an expression in it and
 * takes a screenshot. The browser and its child processes are killed on {@link #close()}.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final int WIDTH = 1280;
    static final int HEIGHT = 1600;
    private static final Duration STEP = Duration.ofSeconds(15);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What a loaded page showed: the expression's value, the console's errors and a PNG of the window. */
    record Rendering(JsonNode value, List<String> consoleErrors, byte[] screenshot) {
    }

    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> consoleErrors = new ArrayList<>();
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    private WebSocket socket;

    private HeadlessChromium(Process process) {
        this.process = process;
    }

    /** Starts chromium with its profile in {@code profile}; fails, naming the package to install, when it is missing. */
    static HeadlessChromium start(Path profile) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: the report's browser test needs Debian's chromium (apt-get install chromium)");
        }
        Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--hide-scrollbars", "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=" + WIDTH + "," + HEIGHT,
                "about:blank").redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
        HeadlessChromium browser = new HeadlessChromium(process);
        try {
            browser.connect(profile.resolve("DevToolsActivePort"));
            return browser;
        } catch (Exception | AssertionError e) {
            browser.close();
            throw e;
        }
    }

    /** Loads {@code page}, waits for its load event, evaluates {@code expression} in it and takes a screenshot. */
    Rendering render(Path page, String expression) throws Exception {
        send("Page.navigate", Map.of("url", page.toUri().toString()));
        loaded.get(STEP.toSeconds(), TimeUnit.SECONDS);
        JsonNode value = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true))
                .path("result").path("value");
        byte[] png = Base64.getDecoder().decode(send("Page.captureScreenshot", Map.of("format", "png")).path("data").asText());
        synchronized (consoleErrors) {
            return new Rendering(value, List.copyOf(consoleErrors), png);
        }
    }

    private void connect(Path activePort) throws Exception {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (!Files.exists(activePort) || Files.readAllLines(activePort).size() < 2) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("chromium did not open its DevTools port (exit " + (process.isAlive() ? "none" : process.exitValue()) + ")");
            }
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readAllLines(activePort).get(0).trim());
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(STEP).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        String page = null;
        for (JsonNode target : targets) {
            if (target.path("type").asText().equals("page") && target.path("url").asText().equals("about:blank")) {
                page = target.path("webSocketDebuggerUrl").asText();
            }
        }
        if (page == null) {
            throw new AssertionError("chromium shows no blank page to drive: " + targets);
        }
        socket = http.newWebSocketBuilder().connectTimeout(STEP).buildAsync(URI.create(page), new Listener()).get(STEP.toSeconds(), TimeUnit.SECONDS);
        send("Runtime.enable", Map.of());
        send("Log.enable", Map.of());
        send("Page.enable", Map.of());
    }

    private JsonNode send(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(message), true).get(STEP.toSeconds(), TimeUnit.SECONDS);
        JsonNode answer = reply.get(STEP.toSeconds(), TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new AssertionError(method + " failed: " + answer.get("error"));
        }
        return answer.path("result");
    }

    private void onMessage(JsonNode message) {
        if (message.has("id")) {
            CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asInt());
            if (reply != null) {
                reply.complete(message);
            }
            return;
        }
        JsonNode params = message.path("params");
        String error = switch (message.path("method").asText()) {
            case "Page.loadEventFired" -> {
                loaded.complete(null);
                yield null;
            }
            case "Runtime.consoleAPICalled" -> params.path("type").asText().matches("error|assert") ? "console." + params.path("type").asText()
                    + ": " + params.path("args") : null;
            case "Runtime.exceptionThrown" -> "uncaught: " + params.path("exceptionDetails");
            case "Log.entryAdded" -> params.path("entry").path("level").asText().equals("error") ? "log: " + params.path("entry").path("text").asText()
                    + " " + params.path("entry").path("url").asText() : null;
            default -> null;
        };
        if (error != null) {
            synchronized (consoleErrors) {
                consoleErrors.add(error);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (socket != null) {
            socket.abort();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("chromium (pid " + process.pid() + ") did not exit when killed");
        }
    }

    /** Joins a message's fragments and hands each whole message on. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    onMessage(JSON.readTree(text.toString()));
                } catch (IOException e) {
                    pending.values().forEach(reply -> reply.completeExceptionally(e));
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
