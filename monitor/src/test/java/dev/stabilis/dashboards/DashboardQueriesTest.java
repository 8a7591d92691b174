package dev.stabilis.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.cli.StabilisCommand;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.metrics.Registries;
import dev.stabilis.service.Evaluation;
import dev.stabilis.service.RunnerMetrics;
import dev.stabilis.contract.Sample;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboards and Prometheus rules in {@code dashboards/} against the real thing. {@code stabilis demo}
 * runs in this JVM (embedded broker, monitor, runner, traffic with unstable and malformed samples, plus two
 * requests whose served class differs from the model's), Debian's Prometheus scrapes it every second and evaluates
 * {@code prometheus-rules.yaml}, and every target {@code expr} of every panel of both dashboards, with the template
 * variables resolved through their own {@code label_values} queries, must return at least one finite value. Every
 * rule must evaluate without error, and every metric a dashboard or rule names must be one Stabilis exports.
 */
class DashboardQueriesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path DASHBOARDS = Path.of("..", "dashboards");
    private static final List<String> FILES = List.of("stabilis-overview.json", "stabilis-model.json");
    private static final Path RULES = DASHBOARDS.resolve("prometheus-rules.yaml");
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final String DATASOURCE = "${datasource}";
    /** Grafana's built-in variables as a 1 s scrape interval and a 5 minute dashboard range make them. */
    private static final Map<String, String> BUILT_INS = Map.of("__rate_interval", "30s", "__interval", "15s", "__range", "5m",
            "__range_s", "300", "__range_ms", "300000", "__interval_ms", "15000");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)|\\[\\[(\\w+)]]");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*(\\w+)\\s*\\)\\s*$", Pattern.DOTALL);
    private static final Pattern METRIC = Pattern.compile("\\b(?:stabilis|kafka|jvm|process)_\\w+|\\bup\\b(?=\\s*[{=!<>)])");
    private static final Duration DATA_DEADLINE = Duration.ofSeconds(100);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void dashboardsAreSelfContainedGrafanaModelsWithUnitsAndTheDatasourceVariable() throws IOException {
        Set<String> uids = new HashSet<>();
        for (String file : FILES) {
            JsonNode d = dashboard(file);
            String uid = d.path("uid").asText();
            assertThat(uid).as("%s: uid is the file name", file).isEqualTo(file.replace(".json", ""));
            assertThat(uids.add(uid)).as("%s: unique uid", file).isTrue();
            assertThat(d.path("schemaVersion").asInt()).as("%s: schemaVersion", file).isGreaterThanOrEqualTo(38);
            assertThat(d.path("title").asText()).as("%s: title", file).isNotBlank();
            assertThat(d.path("id").isNull()).as("%s: no instance id, so it imports anywhere", file).isTrue();

            Map<String, JsonNode> variables = variables(d);
            JsonNode ds = variables.get("datasource");
            assertThat(ds).as("%s: a datasource variable", file).isNotNull();
            assertThat(ds.path("type").asText()).isEqualTo("datasource");
            assertThat(ds.path("query").asText()).isEqualTo("prometheus");
            variables.values().stream().filter(v -> v.has("datasource")).forEach(v ->
                    assertThat(v.path("datasource").path("uid").asText()).as("%s: variable %s's datasource", file, v.path("name").asText())
                            .isEqualTo(DATASOURCE));
            List<String> refs = new ArrayList<>();
            collectDatasourceUids(d, refs);
            assertThat(refs).as("%s: every datasource is ${datasource} (or Grafana's own annotations)", file)
                    .allMatch(u -> u.equals(DATASOURCE) || u.equals("-- Grafana --"));

            Set<Integer> ids = new HashSet<>();
            List<JsonNode> all = new ArrayList<>();
            for (JsonNode p : d.path("panels")) {
                all.add(p);
                p.path("panels").forEach(all::add);
            }
            for (JsonNode p : all) {
                String title = p.path("title").asText();
                assertThat(ids.add(p.path("id").asInt())).as("%s: unique panel id of '%s'", file, title).isTrue();
                JsonNode pos = p.path("gridPos");
                assertThat(pos.path("w").asInt()).as("%s: '%s' width", file, title).isPositive();
                assertThat(pos.path("h").asInt()).as("%s: '%s' height", file, title).isPositive();
                assertThat(pos.path("x").asInt() + pos.path("w").asInt()).as("%s: '%s' fits the 24 columns", file, title)
                        .isLessThanOrEqualTo(24);
                if (p.path("type").asText().equals("row")) {
                    continue;
                }
                assertThat(title).as("%s: panel %s has a title", file, p.path("id")).isNotBlank();
                assertThat(p.path("datasource").path("uid").asText()).as("%s: '%s' datasource", file, title).isEqualTo(DATASOURCE);
                assertThat(p.path("fieldConfig").path("defaults").path("unit").asText()).as("%s: '%s' has a unit", file, title)
                        .isNotBlank();
                assertThat(p.path("targets").size()).as("%s: '%s' has queries", file, title).isPositive();
                Set<String> refIds = new HashSet<>();
                for (JsonNode t : p.path("targets")) {
                    assertThat(t.path("expr").asText()).as("%s: '%s' query %s", file, title, t.path("refId")).isNotBlank();
                    assertThat(refIds.add(t.path("refId").asText())).as("%s: '%s' unique refId", file, title).isTrue();
                }
            }
            assertNoOverlap(file, all);
        }
        Map<String, JsonNode> model = variables(dashboard("stabilis-model.json"));
        for (String name : List.of("model", "version", "class")) {
            assertThat(model).as("stabilis-model.json: variable %s", name).containsKey(name);
            assertThat(query(model.get(name))).as("stabilis-model.json: variable %s", name)
                    .startsWith("label_values(stabilis_samples_total").endsWith(", " + name + ")");
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyPanelQueryReturnsDataFromARealPrometheusScrapingTheDemo(@TempDir Path tmp) throws Exception {
        assertThat(Files.isExecutable(PROMETHEUS))
                .as("%s is missing: install Debian's prometheus package (apt-get install prometheus; .ci/run does). "
                        + "This test runs every dashboard query against a real Prometheus and is never skipped.", PROMETHEUS)
                .isTrue();
        int brokerPort = freePort();
        int metricsPort = freePort();
        int promPort = freePort();
        String prom = "http://127.0.0.1:" + promPort;

        StringWriter demoOut = new StringWriter();
        Thread demo = new Thread(() -> {
            picocli.CommandLine cli = StabilisCommand.commandLine();
            cli.setOut(new PrintWriter(demoOut, true));
            cli.setErr(new PrintWriter(demoOut, true));
            // one model: every panel and rule is per model, and judging the second one's pools at start would add about
            // 80 s; .ci/e2e-demo.sh runs the default two-model demo and checks both models' samples in Prometheus
            cli.execute("demo", "--model", "digits", "--port", Integer.toString(brokerPort), "--metrics-port", Integer.toString(metricsPort),
                    "--rate", "20", "--unstable-every", "2s", "--malformed-every", "3s", "--duration", "300s",
                    "--set", "stabilis.models.repository=" + Path.of("..", "models"),
                    // its own Kafka Streams state, not the shared default under java.io.tmpdir of other demo runs
                    "--set", "stabilis.monitor.state.dir=" + tmp.resolve("streams"));
        }, "dashboards-test-demo");
        Process prometheus = null;
        try {
            demo.start();
            Path config = tmp.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files:
                      - %s
                    scrape_configs:
                      - job_name: stabilis-demo
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(RULES.toAbsolutePath().normalize(), metricsPort));
            prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config, "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            Process p = prometheus;
            await("Prometheus ready", Duration.ofSeconds(60), () -> status(prom + "/-/ready") == 200,
                    () -> p.isAlive() ? "" : "Prometheus exited:\n" + tail(tmp.resolve("prometheus.log")));
            await("the demo ready", Duration.ofSeconds(180), () -> status("http://127.0.0.1:" + metricsPort + "/ready") == 200,
                    () -> demo.isAlive() ? "" : "the demo exited:\n" + tail(demoOut.toString()));
            produceMismatches(brokerPort);

            long started = System.nanoTime();
            List<PanelQuery> queries = new ArrayList<>();
            long deadline = System.nanoTime() + DATA_DEADLINE.toNanos();
            Map<String, String> failures = new LinkedHashMap<>();
            while (true) {
                failures.clear();
                queries.clear();
                for (String file : FILES) {
                    queries.addAll(panelQueries(file, prom, failures));
                }
                for (PanelQuery q : queries) {
                    String problem = check(prom, q.expr());
                    if (problem != null) {
                        failures.put(q.toString(), problem);
                    }
                }
                Set<String> names = metricNames(prom);
                if (!names.contains("stabilis_prediction_mismatches_total")) {
                    failures.put("the two mismatching requests", "no stabilis_prediction_mismatches_total in Prometheus yet");
                }
                if (failures.isEmpty() || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(3000);
            }
            assertThat(failures).withFailMessage("%d of %d queries without data %s after the demo was ready:%n%s%n--- demo output ---%n%s",
                    failures.size(), queries.size(), DATA_DEADLINE, format(failures), tail(demoOut.toString())).isEmpty();
            assertThat(queries).as("panel queries").hasSizeGreaterThanOrEqualTo(40);
            System.out.printf("DashboardQueriesTest: all %d panel queries of %s returned data %d s after the demo was ready%n",
                    queries.size(), FILES, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));

            JsonNode rules = awaitRulesEvaluated(prom);
            List<String> ruleExprs = new ArrayList<>();
            for (JsonNode group : rules.path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    assertThat(rule.path("health").asText()).as("rule %s: %s", rule.path("name").asText(), rule.path("lastError").asText())
                            .isEqualTo("ok");
                    ruleExprs.add(rule.path("query").asText());
                }
            }
            assertThat(ruleExprs).as("rules loaded from %s", RULES).hasSizeGreaterThanOrEqualTo(10);
            System.out.printf("DashboardQueriesTest: all %d rules of %s evaluate without error%n", ruleExprs.size(), RULES.getFileName());

            Set<String> known = new TreeSet<>(metricNames(prom));
            known.addAll(lazilyCreatedRunnerMetrics());
            Set<String> referenced = new TreeSet<>();
            queries.forEach(q -> referenced.addAll(metricsIn(q.expr())));
            for (String file : FILES) {
                variables(dashboard(file)).values().forEach(v -> referenced.addAll(metricsIn(query(v))));
            }
            ruleExprs.forEach(e -> referenced.addAll(metricsIn(e)));
            referenced.removeAll(known);
            assertThat(referenced).as("metrics named by the dashboards or rules that Stabilis does not export").isEmpty();
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            demo.interrupt();
            demo.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    /** One target of one panel, with its template variables replaced. */
    private record PanelQuery(String dashboard, String panel, String refId, String expr) {
        @Override
        public String toString() {
            return dashboard + " / " + panel + " / " + refId + ": " + expr.replaceAll("\\s+", " ");
        }
    }

    private List<PanelQuery> panelQueries(String file, String prom, Map<String, String> failures) throws Exception {
        JsonNode d = dashboard(file);
        Map<String, String> values = new LinkedHashMap<>(BUILT_INS);
        for (JsonNode v : variables(d).values()) {
            String name = v.path("name").asText();
            if (!v.path("type").asText().equals("query")) {
                continue;
            }
            String query = interpolate(query(v), values);
            Matcher m = LABEL_VALUES.matcher(query);
            assertThat(m.matches()).as("%s: variable %s is a label_values(...) query: %s", file, name, query).isTrue();
            List<String> options = labelValues(prom, m.group(1).trim(), m.group(2));
            if (options.isEmpty() || name.equals("model") && !options.contains("digits")) {
                failures.put(file + " / variable " + name, "the demo's values are missing from " + query + ": " + options);
                values.put(name, "no-value-for-" + name);
            } else if (v.path("includeAll").asBoolean() && v.path("current").path("value").toString().contains("$__all")) {
                values.put(name, v.has("allValue") ? v.path("allValue").asText()
                        : options.stream().map(Pattern::quote).collect(Collectors.joining("|", "(", ")")));
            } else {
                values.put(name, options.contains("digits") ? "digits" : options.get(0));
            }
        }
        List<PanelQuery> queries = new ArrayList<>();
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode p : d.path("panels")) {
            panels.add(p);
            p.path("panels").forEach(panels::add);
        }
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                if (!t.path("hide").asBoolean()) {
                    queries.add(new PanelQuery(file, p.path("title").asText(), t.path("refId").asText(),
                            interpolate(t.path("expr").asText(), values)));
                }
            }
        }
        return queries;
    }

    /** null when the instant query returns at least one finite value, else what went wrong. */
    private String check(String prom, String expr) throws Exception {
        if (expr.contains("$")) {
            return "unresolved variable in " + expr;
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prom + "/api/v1/query"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !body.path("status").asText().equals("success")) {
            return "HTTP " + r.statusCode() + ": " + body.path("errorType").asText() + ": " + body.path("error").asText();
        }
        JsonNode data = body.path("data");
        List<JsonNode> values = new ArrayList<>();
        switch (data.path("resultType").asText()) {
            case "scalar" -> values.add(data.path("result").path(1));
            case "vector" -> data.path("result").forEach(s -> values.add(s.path("value").path(1)));
            default -> {
                return "unexpected result type " + data.path("resultType").asText();
            }
        }
        if (values.isEmpty()) {
            return "empty result";
        }
        boolean finite = values.stream().map(v -> Double.parseDouble(v.asText().replace("+Inf", "Infinity").replace("-Inf", "-Infinity")))
                .anyMatch(Double::isFinite);
        return finite ? null : "no finite value: " + values;
    }

    private List<String> labelValues(String prom, String selector, String label) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prom + "/api/v1/label/" + label + "/values?match[]="
                + URLEncoder.encode(selector, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("label values of %s for %s: %s", label, selector, r.body()).isEqualTo(200);
        List<String> values = new ArrayList<>();
        JSON.readTree(r.body()).path("data").forEach(v -> values.add(v.asText()));
        return values;
    }

    private Set<String> metricNames(String prom) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prom + "/api/v1/label/__name__/values"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        Set<String> names = new TreeSet<>();
        JSON.readTree(r.body()).path("data").forEach(v -> names.add(v.asText()));
        return names;
    }

    private JsonNode awaitRulesEvaluated(String prom) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prom + "/api/v1/rules"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode rules = JSON.readTree(r.body());
            boolean evaluated = true;
            for (JsonNode group : rules.path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    evaluated &= !rule.path("lastEvaluation").asText().startsWith("0001-");
                }
            }
            if (evaluated || System.nanoTime() > deadline) {
                return rules;
            }
            Thread.sleep(500);
        }
    }

    /**
     * The names of the runner's meters that appear only with their first event (a certificate violation, which a
     * sound run never has, a model that fails to load, an analysis over its time budget, a record too large for its
     * vectors): exported by {@link RunnerMetrics} itself, fed one such event.
     */
    private static Set<String> lazilyCreatedRunnerMetrics() {
        PrometheusMeterRegistry registry = Registries.prometheus("test");
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu");
        metrics.sample("m", "1", null, new Sample("r", 0, "m", "1", "PLAIN", new float[0], 5, null, 0L, 0L, null, null),
                new Evaluation(3, new double[0], Map.of(), Double.NaN, null, null, null, Double.NaN, "attack point beat the certificate",
                        List.of("attack")), 0L);
        metrics.vectorsOmitted("m");
        metrics.deadLetter("MALFORMED_SAMPLE");
        metrics.abortedTransaction();
        metrics.samplesHandedOver(2);
        metrics.modelLoadFailed("m", "1");
        metrics.modelVersionRejected("m", "1", true);
        Set<String> names = new TreeSet<>();
        registry.scrape().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
        assertThat(names).contains("stabilis_invariant_violations_total", "stabilis_prediction_mismatches_total");
        return names;
    }

    private static Set<String> metricsIn(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr.replaceAll("\"[^\"]*\"", "\"\""));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Two logged requests of one digit served as class 0 and as class 1: at least one is a prediction mismatch. */
    private static void produceMismatches(int brokerPort) throws Exception {
        JsonNode example = JSON.readTree(Path.of("..", "examples", "digits-v2.json").toFile());
        JsonNode data = example.path("inputs").path(0).path("data");
        float[] digit = new float[64];
        for (int i = 0; i < digit.length; i++) {
            digit[i] = (float) data.path(i).asDouble();
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + brokerPort);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        KServeRecords kserve = new KServeRecords("digits", "default");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            for (int served = 0; served < 2; served++) {
                String id = "dashboards-mismatch-" + served;
                producer.send(kserve.request("inference-requests", id, digit)).get(30, TimeUnit.SECONDS);
                producer.send(kserve.response("inference-responses", id, served)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static String interpolate(String text, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value = values.get(name);
            m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static JsonNode dashboard(String file) throws IOException {
        return JSON.readTree(DASHBOARDS.resolve(file).toFile());
    }

    private static Map<String, JsonNode> variables(JsonNode dashboard) {
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        dashboard.path("templating").path("list").forEach(v -> variables.put(v.path("name").asText(), v));
        return variables;
    }

    private static String query(JsonNode variable) {
        JsonNode q = variable.path("query");
        return q.isObject() ? q.path("query").asText() : q.asText();
    }

    private static void collectDatasourceUids(JsonNode node, List<String> uids) {
        if (node.isObject()) {
            JsonNode ds = node.get("datasource");
            if (ds != null && ds.isObject()) {
                uids.add(ds.path("uid").asText());
            }
            node.forEach(child -> collectDatasourceUids(child, uids));
        } else if (node.isArray()) {
            node.forEach(child -> collectDatasourceUids(child, uids));
        }
    }

    private static void assertNoOverlap(String file, List<JsonNode> panels) {
        for (int i = 0; i < panels.size(); i++) {
            for (int j = i + 1; j < panels.size(); j++) {
                JsonNode a = panels.get(i).path("gridPos");
                JsonNode b = panels.get(j).path("gridPos");
                boolean overlap = a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                        && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                        && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                        && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
                assertThat(overlap).as("%s: '%s' and '%s' overlap", file, panels.get(i).path("title").asText(),
                        panels.get(j).path("title").asText()).isFalse();
            }
        }
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private interface Why {
        String failure() throws Exception;
    }

    /** Waits for {@code ok}; fails at once when {@code why} names a reason (a process died), or at the deadline. */
    private static void await(String what, Duration timeout, Check ok, Why why) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ok.ok()) {
            String failure = why.failure();
            assertThat(failure).as("waiting for %s", what).isEmpty();
            assertThat(System.nanoTime()).as("%s within %s", what, timeout).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path file) {
        try {
            return tail(Files.readString(file));
        } catch (IOException e) {
            return "(" + file + ": " + e.getMessage() + ")";
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static String format(Map<String, String> failures) {
        return failures.entrySet().stream().map(e -> "  " + e.getKey() + "\n      -> " + e.getValue())
                .collect(Collectors.joining("\n"));
    }
}
