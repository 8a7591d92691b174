package dev.stabilis.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.stabilis.config.Setting;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.detect.DetectConfig;
import dev.stabilis.detect.DriftConfig;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart, rendered by real Helm (helm-java embeds Helm's Go library): lint, the objects of the default, GPU
 * and secured values, the values schema, and the rendered stabilis.properties read the way the processes read it.
 * The manifests' Kubernetes schemas are KubernetesSchemaTest's.
 */
class HelmChartTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FULLNAME = "stabilis";
    private static final String CONFIG = "/etc/stabilis/stabilis.properties";
    private static final Set<String> MANAGED_KEYS = Set.of("kafka.bootstrap.servers", "stabilis.metrics.host",
            "stabilis.metrics.port", "stabilis.models.repository", "stabilis.monitor.instance.id", "stabilis.monitor.state.dir",
            "stabilis.runner.transactional.id");

    static Rendered defaults() {
        return Charts.template();
    }

    static Rendered gpu() {
        return Charts.template(Repo.EXAMPLES.resolve("gpu-values.yaml"));
    }

    static Rendered secured() {
        return Charts.template(Repo.EXAMPLES.resolve("existing-kafka-values.yaml"));
    }

    /** The secured values plus a policy override, which puts the repository in a snapshot. */
    static Rendered securedWithPolicy() {
        return Charts.template(Repo.CHART, List.of(Repo.EXAMPLES.resolve("existing-kafka-values.yaml"),
                Charts.valuesFile("models:\n  policies:\n    digits/1:\n      certification:\n        epsilon: 0.02\n        k: 5\n")), Map.of());
    }

    @Test
    void lintStrictPasses() {
        LintResult result = new Helm(Repo.CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultValuesRenderMonitorAndRunnerWithTheirServicesAndBudgets() {
        Rendered r = defaults();
        assertThat(r.kindsAndNames()).containsExactlyInAnyOrder("ServiceAccount/stabilis", "ConfigMap/stabilis",
                "Service/stabilis-monitor", "Service/stabilis-runner", "Deployment/stabilis-monitor",
                "StatefulSet/stabilis-runner", "PodDisruptionBudget/stabilis-monitor", "PodDisruptionBudget/stabilis-runner");
        JsonNode monitor = r.one("Deployment", "stabilis-monitor");
        JsonNode runner = r.one("StatefulSet", "stabilis-runner");
        assertThat(monitor.path("spec").path("replicas").asInt()).isEqualTo(1);
        assertThat(runner.path("spec").path("replicas").asInt()).isEqualTo(1);
        assertThat(args(Rendered.container(monitor, "monitor"))).containsExactly("monitor", "--config", CONFIG);
        assertThat(args(Rendered.container(runner, "runner"))).containsExactly("runner", "--config", CONFIG);
        assertThat(Rendered.container(monitor, "monitor").path("image").asText()).isEqualTo("stabilis:0.1.0");
        assertThat(Rendered.container(runner, "runner").path("image").asText()).isEqualTo("stabilis:0.1.0");
        // demo model bundled in the image, no claim
        assertThat(r.properties(FULLNAME).getProperty("stabilis.models.repository")).isEqualTo("/opt/stabilis/models");
        assertThat(r.all("PersistentVolumeClaim")).isEmpty();
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(Arguments.of("default", defaults()), Arguments.of("gpu", gpu()), Arguments.of("secured", secured()),
                Arguments.of("secured with a policy override", securedWithPolicy()),
                Arguments.of("test hook", Charts.template(Charts.chartWithTestHooksAsManifests(), List.of(), Map.of())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyPodIsRestricted(String scenario, Rendered r) {
        List<JsonNode> podSpecs = new ArrayList<>();
        Stream.concat(r.all("Deployment").stream(), r.all("StatefulSet").stream()).map(Rendered::podSpec).forEach(podSpecs::add);
        r.all("Pod").stream().map(p -> p.path("spec")).forEach(podSpecs::add);
        assertThat(podSpecs).isNotEmpty();
        for (JsonNode pod : podSpecs) {
            JsonNode psc = pod.path("securityContext");
            assertThat(psc.path("runAsNonRoot").asBoolean()).isTrue();
            assertThat(psc.path("runAsUser").asInt()).isEqualTo(10001);
            assertThat(psc.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            // STABILIS_* service-link variables would be read as (unknown) settings
            assertThat(pod.path("enableServiceLinks").asBoolean(true)).isFalse();
            List<JsonNode> containers = new ArrayList<>();
            pod.path("containers").forEach(containers::add);
            pod.path("initContainers").forEach(containers::add);
            for (JsonNode c : containers) {
                JsonNode sc = c.path("securityContext");
                assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).as(c.path("name").asText()).isFalse();
                assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
                assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
                assertThat(texts(sc.path("capabilities").path("drop"))).containsExactly("ALL");
                assertThat(sc.has("capabilities") && sc.path("capabilities").has("add")).isFalse();
                assertThat(c.path("resources").path("limits").path("memory").asText()).isNotEmpty();
                // every mount names a volume of the pod
                Set<String> volumes = new HashSet<>();
                pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
                c.path("volumeMounts").forEach(m -> assertThat(volumes).contains(m.path("name").asText()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void processesGetProbesPortsAndWritableScratchOnly(String scenario, Rendered r) {
        Dockerfile.Stage image = Dockerfile.read(Repo.DOCKERFILE).last();
        for (JsonNode workload : workloads(r)) {
            JsonNode c = Rendered.podSpec(workload).path("containers").get(0);
            String name = workload.path("metadata").path("name").asText();
            int metricsPort = name.endsWith("-runner") ? 9405 : 9404;
            assertThat(c.path("ports").get(0).path("name").asText()).isEqualTo("metrics");
            assertThat(c.path("ports").get(0).path("containerPort").asInt()).as(name).isEqualTo(metricsPort);
            assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).as(name).isEqualTo("/health");
            assertThat(c.path("livenessProbe").path("httpGet").path("port").asText()).isEqualTo("metrics");
            assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
            assertThat(c.path("readinessProbe").path("httpGet").path("port").asText()).isEqualTo("metrics");
            assertThat(c.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/health");
            // writable: /tmp, the image's DJL_CACHE_DIR and (monitor) the Kafka Streams state dir, all emptyDir
            Map<String, String> mounts = new TreeMap<>();
            c.path("volumeMounts").forEach(m -> {
                if (!m.path("readOnly").asBoolean()) {
                    mounts.put(m.path("mountPath").asText(), m.path("name").asText());
                }
            });
            Set<String> expected = new TreeSet<>(List.of("/tmp", image.env().get("DJL_CACHE_DIR")));
            if (name.endsWith("-monitor")) {
                expected.add(r.properties(FULLNAME).getProperty("stabilis.monitor.state.dir"));
            }
            assertThat(mounts.keySet()).as(name).isEqualTo(expected);
            for (String volume : mounts.values()) {
                JsonNode v = volume(workload, volume);
                assertThat(v.has("emptyDir")).as(volume).isTrue();
                assertThat(v.path("emptyDir").path("sizeLimit").asText()).isNotEmpty();
            }
            // the configuration file comes from the ConfigMap
            JsonNode config = volume(workload, mountAt(c, "/etc/stabilis").path("name").asText());
            assertThat(config.path("configMap").path("name").asText()).isEqualTo(FULLNAME);
            // the pods restart when the configuration changes
            assertThat(workload.path("spec").path("template").path("metadata").path("annotations").path("checksum/config").asText())
                    .hasSize(64);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void labelsSelectorsServicesAndBudgetsMatch(String scenario, Rendered r) {
        for (JsonNode o : r.objects) {
            Map<String, String> labels = Rendered.labels(o.path("metadata").path("labels"));
            assertThat(labels).as("%s/%s", o.path("kind").asText(), o.path("metadata").path("name").asText())
                    .containsEntry("app.kubernetes.io/name", "stabilis").containsEntry("app.kubernetes.io/instance", Charts.RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm").containsEntry("app.kubernetes.io/part-of", "stabilis")
                    .containsKey("helm.sh/chart");
        }
        for (JsonNode workload : workloads(r)) {
            String name = workload.path("metadata").path("name").asText();
            String component = name.substring(FULLNAME.length() + 1);
            Map<String, String> podLabels = Rendered.labels(workload.path("spec").path("template").path("metadata").path("labels"));
            Map<String, String> selector = Rendered.labels(workload.path("spec").path("selector").path("matchLabels"));
            assertThat(podLabels).containsAllEntriesOf(selector).containsEntry("app.kubernetes.io/component", component);
            // the Service and the budget of the component select exactly its pods
            JsonNode service = r.one("Service", name);
            assertThat(podLabels).containsAllEntriesOf(Rendered.labels(service.path("spec").path("selector")));
            assertThat(Rendered.labels(service.path("spec").path("selector"))).containsEntry("app.kubernetes.io/component", component);
            JsonNode port = service.path("spec").path("ports").get(0);
            assertThat(port.path("name").asText()).isEqualTo("metrics");
            assertThat(port.path("port").asInt()).as(name).isEqualTo(component.equals("runner") ? 9405 : 9404);
            assertThat(port.path("targetPort").asText()).isEqualTo("metrics");
            JsonNode budget = r.one("PodDisruptionBudget", name);
            Map<String, String> budgetSelector = Rendered.labels(budget.path("spec").path("selector").path("matchLabels"));
            assertThat(podLabels).containsAllEntriesOf(budgetSelector);
            assertThat(budgetSelector).containsEntry("app.kubernetes.io/component", component);
            assertThat(budget.path("spec").path("maxUnavailable").asInt()).isEqualTo(1);
            for (JsonNode other : workloads(r)) {
                if (other != workload) {
                    assertThat(Rendered.labels(other.path("spec").path("template").path("metadata").path("labels"))
                            .entrySet().containsAll(budgetSelector.entrySet()))
                            .as("budget %s must not select %s", name, other.path("metadata").path("name").asText()).isFalse();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void renderedPropertiesAndEnvironmentPassTheProcessesOwnChecks(String scenario, Rendered r) throws IOException {
        Path file = Files.createTempFile("stabilis", ".properties");
        Files.writeString(file, r.one("ConfigMap", FULLNAME).path("data").path("stabilis.properties").asText());
        for (JsonNode workload : workloads(r)) {
            Map<String, String> environment = new HashMap<>();
            Rendered.env(Rendered.podSpec(workload).path("containers").get(0)).forEach((name, e) ->
                    environment.put(name, e.has("value") ? e.path("value").asText().replace("$(POD_NAME)", "stabilis-runner-0") : "from-a-secret"));
            // what MonitorCommand/RunnerCommand do first: unknown keys, STABILIS_* included, stop the process
            StabilisConfig config = StabilisConfig.load(file, environment, Map.of(), Map.of());
            assertThat(config.required("stabilis.metrics.host")).isEqualTo("0.0.0.0");
            assertThat(config.integer("stabilis.metrics.port", 0, 65535)).as(workload.path("metadata").path("name").asText())
                    .isEqualTo(workload.path("metadata").path("name").asText().endsWith("-runner") ? 9405 : 9404);
            assertThat(config.required("stabilis.models.repository")).startsWith("/");
            for (Setting s : StabilisConfig.SETTINGS) {
                String value = config.text(s.key());
                if (s.defaultValue().matches("\\d+")) {
                    assertThat(config.number(s.key())).as(s.key()).isNotNegative();
                } else if (s.defaultValue().matches("true|false")) {
                    assertThat(value).as(s.key()).matches("true|false");
                }
            }
            Map<String, String> detect = new HashMap<>(config.withPrefix(DetectConfig.PREFIX));
            for (String topic : List.of(DetectConfig.EXPLANATIONS_TOPIC, DetectConfig.ALERTS_TOPIC, DetectConfig.DLQ_TOPIC)) {
                detect.put(topic, config.required(topic));
            }
            DetectConfig.from(detect);
            DriftConfig.from(detect);
            if (workload.path("kind").asText().equals("StatefulSet")) {
                assertThat(config.required("stabilis.runner.transactional.id"))
                        .isEqualTo(config.required("stabilis.runner.group.id") + ".stabilis-runner-0");
            }
        }
    }

    @Test
    void runnersGetStableTransactionalIdsFromTheirPodNames() {
        Rendered r = defaults();
        JsonNode runner = r.one("StatefulSet", "stabilis-runner");
        Map<String, JsonNode> env = Rendered.env(Rendered.container(runner, "runner"));
        assertThat(env.get("POD_NAME").path("valueFrom").path("fieldRef").path("fieldPath").asText()).isEqualTo("metadata.name");
        assertThat(env.get("STABILIS_RUNNER_TRANSACTIONAL_ID").path("value").asText()).isEqualTo("stabilis-runner.$(POD_NAME)");
        // POD_NAME must come first for $(POD_NAME) to expand
        assertThat(new ArrayList<>(env.keySet()).indexOf("POD_NAME"))
                .isLessThan(new ArrayList<>(env.keySet()).indexOf("STABILIS_RUNNER_TRANSACTIONAL_ID"));
        assertThat(runner.path("spec").path("podManagementPolicy").asText()).isEqualTo("Parallel");
        String serviceName = runner.path("spec").path("serviceName").asText();
        assertThat(r.one("Service", serviceName).path("spec").path("clusterIP").asText()).isEqualTo("None");
        assertThat(r.properties(FULLNAME)).doesNotContainKey("stabilis.runner.transactional.id");
    }

    @Test
    void gpuValuesRequestGpusOnGpuNodesWithTheCudaImage() {
        Rendered r = gpu();
        JsonNode runner = r.one("StatefulSet", "stabilis-runner");
        JsonNode c = Rendered.container(runner, "runner");
        assertThat(runner.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(c.path("resources").path("limits").path("nvidia.com/gpu").asText()).isEqualTo("1");
        assertThat(c.path("resources").path("requests").path("nvidia.com/gpu").asText()).isEqualTo("1");
        assertThat(c.path("resources").path("requests").path("cpu").asText()).isEqualTo("2");
        assertThat(c.path("resources").path("limits").path("memory").asText()).isEqualTo("8Gi");
        assertThat(c.path("image").asText()).isEqualTo("stabilis:0.1.0-cu128");
        JsonNode pod = Rendered.podSpec(runner);
        assertThat(pod.path("nodeSelector").path("nvidia.com/gpu.present").asText()).isEqualTo("true");
        assertThat(pod.path("tolerations").get(0).path("key").asText()).isEqualTo("nvidia.com/gpu");
        assertThat(pod.path("tolerations").get(0).path("effect").asText()).isEqualTo("NoSchedule");
        // a runner that cannot see its GPU fails instead of running on the CPU
        assertThat(Rendered.env(c).get("STABILIS_RUNNER_DEVICE").path("value").asText()).isEqualTo("gpu");
        // the monitor needs no GPU and keeps the CPU image
        JsonNode monitor = Rendered.container(r.one("Deployment", "stabilis-monitor"), "monitor");
        assertThat(monitor.path("resources").path("limits").has("nvidia.com/gpu")).isFalse();
        assertThat(monitor.path("image").asText()).isEqualTo("stabilis:0.1.0");
        assertThat(Rendered.env(monitor)).doesNotContainKey("STABILIS_RUNNER_DEVICE");
        assertThat(Rendered.podSpec(r.one("Deployment", "stabilis-monitor")).has("nodeSelector")).isFalse();
        // an explicit device setting wins
        Rendered explicit = Charts.template(Repo.CHART, List.of(Repo.EXAMPLES.resolve("gpu-values.yaml"),
                Charts.valuesFile("config:\n  stabilis.runner.device: gpu:0\n")), Map.of());
        assertThat(Rendered.env(Rendered.container(explicit.one("StatefulSet", "stabilis-runner"), "runner")))
                .doesNotContainKey("STABILIS_RUNNER_DEVICE");
        assertThat(explicit.properties(FULLNAME).getProperty("stabilis.runner.device")).isEqualTo("gpu:0");
    }

    @Test
    void gpuNotesWarnWhenTheRunnerImageIsNotTheCudaBuild() {
        assertThat(Charts.notes(Repo.EXAMPLES.resolve("gpu-values.yaml"))).contains("1 nvidia.com/gpu each").doesNotContain("NOTE:");
        assertThat(Charts.notes(Charts.valuesFile("runner:\n  gpu: 1\n"))).contains("does not look like the CUDA build");
        assertThat(Charts.notes()).contains("helm test stabilis -n ml").contains("port-forward svc/stabilis-monitor 9404");
    }

    @Test
    void securedValuesTakeKafkaCredentialsFromSecretsAndEnableMonitoring() {
        Rendered r = securedWithPolicy();
        Properties props = r.properties(FULLNAME);
        assertThat(props).containsEntry("kafka.bootstrap.servers", "kafka-kafka-bootstrap.kafka.svc:9093")
                .containsEntry("kafka.security.protocol", "SASL_SSL").containsEntry("kafka.sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("kafka.ssl.truststore.type", "PEM").doesNotContainKey("kafka.sasl.jaas.config");
        String truststore = props.getProperty("kafka.ssl.truststore.location");
        for (JsonNode workload : workloads(r)) {
            JsonNode c = Rendered.podSpec(workload).path("containers").get(0);
            JsonNode jaas = Rendered.env(c).get("STABILIS_KAFKA_SASL_JAAS_CONFIG");
            assertThat(jaas.has("value")).isFalse();
            assertThat(jaas.path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo("stabilis-kafka-user");
            assertThat(jaas.path("valueFrom").path("secretKeyRef").path("key").asText()).isEqualTo("sasl.jaas.config");
            // the truststore file from the TLS Secret sits where kafka.ssl.truststore.location points
            String dir = truststore.substring(0, truststore.lastIndexOf('/'));
            JsonNode mount = mountAt(c, dir);
            assertThat(mount.path("readOnly").asBoolean()).isTrue();
            JsonNode secret = volume(workload, mount.path("name").asText()).path("secret");
            assertThat(secret.path("secretName").asText()).isEqualTo("kafka-cluster-ca-cert");
            assertThat(secret.path("items").get(0).path("key").asText()).isEqualTo("ca.crt");
            assertThat(dir + "/" + secret.path("items").get(0).path("path").asText()).isEqualTo(truststore);
            // the models claim, read-only, and the snapshot with the policy override
            JsonNode claim = volume(workload, "models-source").path("persistentVolumeClaim");
            assertThat(claim.path("claimName").asText()).isEqualTo("stabilis-models");
            assertThat(claim.path("readOnly").asBoolean()).isTrue();
            JsonNode init = Rendered.podSpec(workload).path("initContainers").get(0);
            assertThat(init.path("command").get(2).asText()).contains("cp -R /var/lib/stabilis/models-source/. /var/lib/stabilis/models/")
                    .contains("test -d /var/lib/stabilis/models/digits/1 || {")
                    .contains("cp /etc/stabilis-policies/digits__1.yaml /var/lib/stabilis/models/digits/1/stabilis.yaml");
            assertThat(mountAt(c, "/var/lib/stabilis/models").path("readOnly").asBoolean()).isTrue();
        }
        assertThat(props).containsEntry("stabilis.models.repository", "/var/lib/stabilis/models");
        JsonNode policies = r.one("ConfigMap", "stabilis-policies");
        assertThat(policies.path("data").path("digits__1.yaml").asText()).contains("epsilon: 0.02");
        assertThat(r.one("Deployment", "stabilis-monitor").path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(r.one("StatefulSet", "stabilis-runner").path("spec").path("replicas").asInt()).isEqualTo(3);
        assertNoSecretMaterialInConfigMaps(r);
    }

    @Test
    void keystoreAndTruststorePasswordsComeFromSecretsToo() {
        Rendered r = Charts.templateYaml("""
                kafka:
                  securityProtocol: SSL
                  tls:
                    existingSecret: cluster-ca
                    truststoreKey: ca.p12
                    truststoreType: PKCS12
                    truststorePasswordKey: ca.password
                    keystore:
                      existingSecret: stabilis-user
                  extraProperties:
                    ssl.endpoint.identification.algorithm: ""
                    request.timeout.ms: 60000
                """);
        Properties props = r.properties(FULLNAME);
        assertThat(props).containsEntry("kafka.ssl.truststore.type", "PKCS12").containsEntry("kafka.ssl.keystore.type", "PKCS12")
                .containsEntry("kafka.ssl.endpoint.identification.algorithm", "").containsEntry("kafka.request.timeout.ms", "60000");
        for (JsonNode workload : workloads(r)) {
            Map<String, JsonNode> env = Rendered.env(Rendered.podSpec(workload).path("containers").get(0));
            assertThat(env.get("STABILIS_KAFKA_SSL_TRUSTSTORE_PASSWORD").path("valueFrom").path("secretKeyRef").path("key").asText())
                    .isEqualTo("ca.password");
            assertThat(env.get("STABILIS_KAFKA_SSL_KEYSTORE_PASSWORD").path("valueFrom").path("secretKeyRef").path("name").asText())
                    .isEqualTo("stabilis-user");
            assertThat(env).doesNotContainKey("STABILIS_KAFKA_SASL_JAAS_CONFIG");
            String keystore = props.getProperty("kafka.ssl.keystore.location");
            JsonNode mount = mountAt(Rendered.podSpec(workload).path("containers").get(0), keystore.substring(0, keystore.lastIndexOf('/')));
            assertThat(volume(workload, mount.path("name").asText()).path("secret").path("items").get(0).path("key").asText())
                    .isEqualTo("user.p12");
        }
        assertNoSecretMaterialInConfigMaps(r);
    }

    @Test
    void numbersRenderAsTheProcessesParseThem() {
        // values.yaml numbers reach the templates as float64: 10000000 must not become 1e+07
        Properties props = Charts.templateYaml("""
                config:
                  stabilis.ingest.max.payload.bytes: 10000000
                  stabilis.detect.baseline.z.threshold: 3.5
                  stabilis.runner.certify: false
                """).properties(FULLNAME);
        assertThat(props).containsEntry("stabilis.ingest.max.payload.bytes", "10000000")
                .containsEntry("stabilis.detect.baseline.z.threshold", "3.5").containsEntry("stabilis.runner.certify", "false");
    }

    @Test
    void serviceMonitorPrometheusRuleAndDashboardsFollowKubePrometheusStackConventions() throws IOException {
        Rendered r = secured();
        JsonNode monitor = r.one("ServiceMonitor", FULLNAME);
        assertThat(monitor.path("metadata").path("labels").path("release").asText()).isEqualTo("kube-prometheus-stack");
        Map<String, String> selector = Rendered.labels(monitor.path("spec").path("selector").path("matchLabels"));
        List<JsonNode> selected = r.all("Service").stream()
                .filter(s -> Rendered.labels(s.path("metadata").path("labels")).entrySet().containsAll(selector.entrySet())).toList();
        assertThat(selected).extracting(s -> s.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder("stabilis-monitor", "stabilis-runner");
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertThat(endpoint.path("port").asText()).isEqualTo("metrics");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        assertThat(texts(monitor.path("spec").path("namespaceSelector").path("matchNames"))).containsExactly(Charts.NAMESPACE);
        // the rules' target-down alert matches jobs with "stabilis" in the name: ServiceMonitor jobs are Service names
        assertThat(selected).allMatch(s -> s.path("metadata").path("name").asText().contains("stabilis"));

        JsonNode rule = r.one("PrometheusRule", FULLNAME);
        assertThat(rule.path("metadata").path("labels").path("release").asText()).isEqualTo("kube-prometheus-stack");
        JsonNode groups = Rendered.YAML.readTree(Repo.CHART.resolve("files/prometheus-rules.yaml").toFile()).path("groups");
        assertThat(rule.path("spec").path("groups")).isEqualTo(groups);
        // Prometheus' own templates pass through Helm untouched
        assertThat(r.manifest).contains("{{ $labels.model }}");
        Set<String> alerts = new TreeSet<>();
        rule.path("spec").path("groups").forEach(g -> g.path("rules").forEach(x -> alerts.add(x.path("alert").asText())));
        assertThat(alerts).contains("StabilisTargetDown");

        List<Path> jsons;
        try (Stream<Path> files = Files.list(Repo.CHART.resolve("dashboards"))) {
            jsons = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        List<JsonNode> dashboards = r.all("ConfigMap").stream()
                .filter(c -> c.path("metadata").path("labels").path("grafana_dashboard").asText().equals("1")).toList();
        assertThat(dashboards).hasSize(jsons.size());
        for (Path json : jsons) {
            String file = json.getFileName().toString();
            JsonNode configMap = dashboards.stream().filter(c -> c.path("data").has(file)).findFirst()
                    .orElseThrow(() -> new AssertionError("no dashboard ConfigMap for " + file));
            assertThat(JSON.readTree(configMap.path("data").path(file).asText())).isEqualTo(JSON.readTree(json.toFile()));
            assertThat(configMap.path("metadata").path("annotations").path("grafana_folder").asText()).isEqualTo("Stabilis");
        }
    }

    @Test
    void chartLinksEveryDashboardAndTheRulesOfTheRepository() throws IOException {
        // helm/stabilis/dashboards/*.json and files/prometheus-rules.yaml are symbolic links to dashboards/ (a chart
        // cannot read outside its directory; Helm follows the links, and helm package stores their contents). A
        // new dashboard needs its link: cd helm/stabilis/dashboards && ln -s ../../../dashboards/NAME.json .
        Path source = Repo.ROOT.resolve("dashboards");
        Path rules = Repo.CHART.resolve("files/prometheus-rules.yaml");
        assertThat(rules).as("a dangling link fails helm").exists();
        if (Files.exists(source.resolve("prometheus-rules.yaml"))) {
            assertThat(Files.isSymbolicLink(rules) ? rules.toRealPath() : rules).isEqualTo(source.resolve("prometheus-rules.yaml").toRealPath());
        }
        if (Files.isDirectory(source)) {
            Set<String> sources = jsonNames(source);
            assertThat(jsonNames(Repo.CHART.resolve("dashboards"))).as("helm/stabilis/dashboards/*.json vs dashboards/*.json")
                    .isEqualTo(sources);
            for (String name : sources) {
                Path link = Repo.CHART.resolve("dashboards").resolve(name);
                assertThat(link.toRealPath()).as(name).isEqualTo(source.resolve(name).toRealPath());
            }
        }
    }

    @Test
    void helmTestPodAsksReadyOfBothServices() throws IOException {
        String hook = Files.readString(Repo.CHART.resolve("templates/tests/ready-test.yaml"));
        assertThat(hook).contains("helm.sh/hook: test");
        Rendered r = Charts.template(Charts.chartWithTestHooksAsManifests(), List.of(), Map.of());
        JsonNode pod = r.one("Pod", "stabilis-test-ready");
        assertThat(pod.path("spec").path("restartPolicy").asText()).isEqualTo("Never");
        JsonNode c = pod.path("spec").path("containers").get(0);
        String script = c.path("command").get(2).asText();
        assertThat(script).contains("for target in stabilis-monitor:9404 stabilis-runner:9405;").contains("/dev/tcp/$host/${target#*:}")
                .contains("GET /ready HTTP/1.0");
        assertThat(c.path("image").asText()).isEqualTo("stabilis:0.1.0");
    }

    @Test
    void optionalObjectsAreOffByDefaultAndNewClaimIsKeptOnUninstall() {
        Rendered r = Charts.templateYaml("""
                models:
                  source: newClaim
                  newClaim:
                    size: 5Gi
                    storageClassName: nfs
                monitor:
                  enabled: false
                runner:
                  replicas: 4
                  podDisruptionBudget:
                    enabled: true
                    minAvailable: 3
                """);
        assertThat(r.all("Deployment")).isEmpty();
        assertThat(r.all("Service")).extracting(s -> s.path("metadata").path("name").asText()).containsExactly("stabilis-runner");
        JsonNode claim = r.one("PersistentVolumeClaim", "stabilis-models");
        assertThat(claim.path("metadata").path("annotations").path("helm.sh/resource-policy").asText()).isEqualTo("keep");
        assertThat(claim.path("spec").path("resources").path("requests").path("storage").asText()).isEqualTo("5Gi");
        assertThat(texts(claim.path("spec").path("accessModes"))).containsExactly("ReadWriteMany");
        JsonNode budget = r.one("PodDisruptionBudget", "stabilis-runner");
        assertThat(budget.path("spec").path("minAvailable").asInt()).isEqualTo(3);
        assertThat(budget.path("spec").has("maxUnavailable")).isFalse();
        JsonNode runner = r.one("StatefulSet", "stabilis-runner");
        assertThat(volume(runner, "models-source").path("persistentVolumeClaim").path("claimName").asText()).isEqualTo("stabilis-models");
        assertThat(r.properties(FULLNAME).getProperty("stabilis.models.repository")).isEqualTo("/var/lib/stabilis/models");
        assertThat(defaults().all("ServiceMonitor")).isEmpty();
        assertThat(defaults().all("PrometheusRule")).isEmpty();
    }

    @Test
    void kedaScalesTheRunnerOnItsSamplesLagAndTheMonitorOnBothItsGroupsAndOwnsTheReplicaCounts() {
        Rendered r = Charts.templateYaml("""
                config:
                  stabilis.runner.group.id: runners
                  stabilis.monitor.application.id: watch
                autoscaling:
                  keda:
                    enabled: true
                    runner: {minReplicas: 2, maxReplicas: 12, lagThreshold: 50}
                """);
        JsonNode runner = r.one("ScaledObject", "stabilis-runner").path("spec");
        assertThat(runner.path("scaleTargetRef").path("kind").asText()).isEqualTo("StatefulSet");
        assertThat(runner.path("scaleTargetRef").path("name").asText()).isEqualTo("stabilis-runner");
        assertThat(runner.path("minReplicaCount").asInt()).isEqualTo(2);
        assertThat(runner.path("maxReplicaCount").asInt()).isEqualTo(12);
        assertThat(runner.path("triggers")).singleElement().satisfies(t -> {
            assertThat(t.path("type").asText()).isEqualTo("kafka");
            assertThat(t.path("metadata").path("bootstrapServers").asText()).isEqualTo("kafka-bootstrap:9092");
            assertThat(t.path("metadata").path("consumerGroup").asText()).isEqualTo("runners");
            assertThat(t.path("metadata").path("topic").asText()).isEqualTo("stabilis.samples");
            assertThat(t.path("metadata").path("lagThreshold").asText()).isEqualTo("50");
            assertThat(t.path("metadata").path("allowIdleConsumers").asText()).isEqualTo("false");
            assertThat(t.has("authenticationRef")).isFalse();
        });
        JsonNode monitor = r.one("ScaledObject", "stabilis-monitor").path("spec");
        assertThat(monitor.path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
        assertThat(monitor.path("triggers").findValuesAsText("consumerGroup")).containsExactly("watch-ingest", "watch-detect");
        assertThat(monitor.path("triggers").findValuesAsText("topic")).containsExactly("inference-requests", "stabilis.explanations");
        assertThat(r.one("StatefulSet", "stabilis-runner").path("spec").has("replicas")).as("left to KEDA").isFalse();
        assertThat(r.one("Deployment", "stabilis-monitor").path("spec").has("replicas")).as("left to KEDA").isFalse();
        assertThat(r.all("HorizontalPodAutoscaler")).isEmpty();

        Rendered off = defaults();
        assertThat(off.all("ScaledObject")).isEmpty();
        assertThat(off.all("HorizontalPodAutoscaler")).isEmpty();
        assertThat(off.one("StatefulSet", "stabilis-runner").path("spec").path("replicas").asInt()).isEqualTo(1);
    }

    @Test
    void theHpaAlternativeScalesOnEachPodsExportedLag() {
        Rendered r = Charts.templateYaml("autoscaling: {hpa: {enabled: true}}\n");
        JsonNode runner = r.one("HorizontalPodAutoscaler", "stabilis-runner").path("spec");
        assertThat(runner.path("scaleTargetRef").path("kind").asText()).isEqualTo("StatefulSet");
        assertThat(runner.path("maxReplicas").asInt()).isEqualTo(6);
        JsonNode metric = runner.path("metrics").get(0);
        assertThat(metric.path("type").asText()).isEqualTo("Pods");
        assertThat(metric.path("pods").path("metric").path("name").asText()).isEqualTo("kafka_consumer_fetch_manager_records_lag_max");
        assertThat(metric.path("pods").path("target").path("averageValue").asText()).isEqualTo("200");
        assertThat(r.one("HorizontalPodAutoscaler", "stabilis-monitor").path("spec").path("scaleTargetRef").path("kind").asText())
                .isEqualTo("Deployment");
        assertThat(r.all("ScaledObject")).isEmpty();
        assertThat(r.one("StatefulSet", "stabilis-runner").path("spec").has("replicas")).isFalse();
    }

    @Test
    void kedaOnASecuredClusterNeedsATriggerAuthenticationAndOneScalerAtATime() {
        assertThatThrownBy(() -> Charts.templateYaml("""
                kafka: {securityProtocol: SASL_SSL, sasl: {mechanism: SCRAM-SHA-512, existingSecret: user}}
                autoscaling: {keda: {enabled: true}}
                """)).hasMessageContaining("autoscaling.keda.authenticationRef").hasMessageContaining("SASL_SSL");
        Rendered secured = Charts.templateYaml("""
                kafka: {securityProtocol: SASL_SSL, sasl: {mechanism: SCRAM-SHA-512, existingSecret: user}}
                autoscaling: {keda: {enabled: true, authenticationRef: kafka-credentials}}
                """);
        assertThat(secured.one("ScaledObject", "stabilis-runner").path("spec").path("triggers").get(0).path("authenticationRef").path("name")
                .asText()).isEqualTo("kafka-credentials");
        assertThatThrownBy(() -> Charts.templateYaml("autoscaling: {keda: {enabled: true}, hpa: {enabled: true}}\n"))
                .hasMessageContaining("exclude each other");
    }

    @Test
    void ruleThresholdsAreValuesRenderedIntoTheRulesAndTheirDescriptions() throws IOException {
        Rendered r = Charts.templateYaml("""
                metrics:
                  prometheusRule:
                    enabled: true
                    thresholds: {certifiedFractionDropFactor: 0.7, predictionMismatchRate: 0.02, consumerLagRecords: 50000}
                """);
        Map<String, JsonNode> rules = new HashMap<>();
        r.one("PrometheusRule", FULLNAME).path("spec").path("groups")
                .forEach(g -> g.path("rules").forEach(x -> rules.put(x.path("alert").asText(), x)));
        JsonNode drop = rules.get("StabilisCertifiedFractionDrop");
        assertThat(drop.path("expr").asText()).contains("< 0.7 *").doesNotContain("0.8");
        assertThat(drop.path("annotations").path("description").asText()).contains("less than 70% of its fraction");
        JsonNode mismatch = rules.get("StabilisPredictionMismatchRateHigh");
        assertThat(mismatch.path("expr").asText()).contains(") > 0.02\n").doesNotContain("0.05");
        assertThat(mismatch.path("annotations").path("description").asText()).contains("(threshold 2%)");
        assertThat(rules.get("StabilisConsumerLagGrowing").path("expr").asText()).contains(") > 50000\n").doesNotContain("1000\n");
        // thresholds left at their defaults keep the rule file's text
        Map<String, JsonNode> inFile = new HashMap<>();
        Rendered.YAML.readTree(Repo.CHART.resolve("files/prometheus-rules.yaml").toFile()).path("groups")
                .forEach(g -> g.path("rules").forEach(x -> inFile.put(x.path("alert").asText(), x)));
        assertThat(rules.get("StabilisAttackSuccessRateHigh")).isEqualTo(inFile.get("StabilisAttackSuccessRateHigh"));
        assertThat(rules.get("StabilisDeadLetterRateHigh")).isEqualTo(inFile.get("StabilisDeadLetterRateHigh"));
        assertThat(rules.keySet()).isEqualTo(inFile.keySet());
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of("unknown top-level key", "replicas: 3\n", "replicas"),
                Arguments.of("misspelt runner key", "runner:\n  gpus: 1\n", "gpus"),
                Arguments.of("misspelt setting", "config:\n  stabilis.runner.max.bach: 10\n", "stabilis.runner.max.bach"),
                Arguments.of("setting of the wrong type", "config:\n  stabilis.runner.max.batch: lots\n", "stabilis.runner.max.batch"),
                Arguments.of("unknown security protocol", "kafka:\n  securityProtocol: SASL_SSLL\n", "securityProtocol"),
                Arguments.of("gpu count not a number", "runner:\n  gpu: one\n", "gpu"),
                Arguments.of("bootstrap servers without port", "kafka:\n  bootstrapServers: kafka\n", "bootstrapServers"),
                Arguments.of("bad models source", "models:\n  source: s3\n", "source"),
                Arguments.of("policy key that is not name/version", "models:\n  policies:\n    digits: {}\n", "digits"),
                Arguments.of("bad memory quantity", "runner:\n  resources:\n    limits:\n      memory: 4 GB\n", "memory"),
                Arguments.of("class label the runner would refuse", "config:\n  stabilis.runner.metrics.class.label: top:10\n",
                        "stabilis.runner.metrics.class.label"),
                Arguments.of("rule threshold out of range", "metrics:\n  prometheusRule:\n    thresholds:\n      attackSuccessRate: 10\n",
                        "attackSuccessRate"),
                Arguments.of("detect value the monitor would refuse", "config:\n  stabilis.detect.baseline.mad.floor: 0\n",
                        "stabilis.detect.baseline.mad.floor"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    void valuesThatViolateTheSchemaFail(String name, String yaml, String mentioned) {
        assertThatThrownBy(() -> Charts.templateYaml(yaml)).hasMessageContaining("schema").hasMessageContaining(mentioned);
    }

    static Stream<Arguments> refusedValues() {
        return Stream.of(
                // the schema refuses it first; the template's own check covers --skip-schema-validation
                Arguments.of("a key the chart owns", "config:\n  stabilis.metrics.port: 9405\n", "'stabilis.metrics.port' not allowed"),
                Arguments.of("a secret in extraProperties", "kafka:\n  extraProperties:\n    ssl.truststore.password: hunter2\n",
                        "secrets belong in a Secret"),
                Arguments.of("SASL without the JAAS Secret", "kafka:\n  securityProtocol: SASL_SSL\n  sasl:\n    mechanism: PLAIN\n",
                        "kafka.sasl.existingSecret"),
                Arguments.of("SASL without a mechanism", "kafka:\n  securityProtocol: SASL_PLAINTEXT\n  sasl:\n    existingSecret: s\n",
                        "kafka.sasl.mechanism"),
                Arguments.of("an existing claim without its name", "models:\n  source: existingClaim\n", "models.existingClaim is required"),
                Arguments.of("a monitor limit that cannot hold its heap, RocksDB and native memory",
                        "monitor:\n  resources:\n    limits:\n      memory: 1Gi\n",
                        "monitor.resources.limits.memory 1Gi (1024 MiB) cannot hold the heap (60% of it by monitor.javaOpts: 614 MiB), "
                                + "config.stabilis.monitor.rocksdb.memory.bytes (256 MiB)"),
                Arguments.of("a RocksDB bound larger than the monitor's limit allows",
                        "config:\n  stabilis.monitor.rocksdb.memory.bytes: 1073741824\n", "config.stabilis.monitor.rocksdb.memory.bytes (1024 MiB)"));
    }

    @Test
    void aSmallerMonitorFitsWhenItsRocksDbBoundAndHeapShareFitItsLimit() {
        Rendered r = Charts.templateYaml("""
                monitor: {javaOpts: "-XX:MaxRAMPercentage=50", resources: {limits: {memory: 1024Mi}}}
                config: {stabilis.monitor.rocksdb.memory.bytes: 134217728}
                """);
        assertThat(r.one("Deployment", "stabilis-monitor").path("spec").path("template").path("spec").path("containers").get(0)
                .path("resources").path("limits").path("memory").asText()).isEqualTo("1024Mi");
        for (String limit : new String[] {"2.5e9", "2500M", "+2.5G", "2621440Ki"}) {
            assertThat(Charts.templateYaml("monitor: {resources: {limits: {memory: \"" + limit + "\"}}}\n").all("Deployment"))
                    .as("%s read as about 2.5 GB", limit).isNotEmpty();
        }
        assertThatThrownBy(() -> Charts.templateYaml("monitor: {resources: {limits: {memory: \"1.2e9\"}}}\n"))
                .as("1.2 GB read as such").hasMessageContaining("(1144 MiB)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedValues")
    void valuesTheTemplatesRefuseFailWithAMessage(String name, String yaml, String message) {
        assertThatThrownBy(() -> Charts.templateYaml(yaml)).hasMessageContaining(message);
    }

    @Test
    void schemaKnowsExactlyTheSettingsTheProcessesKnow() throws Exception {
        JsonNode schema = JSON.readTree(Repo.CHART.resolve("values.schema.json").toFile());
        Set<String> inSchema = new TreeSet<>();
        schema.path("properties").path("config").path("properties").fieldNames().forEachRemaining(inSchema::add);
        assertThat(schema.path("properties").path("config").path("additionalProperties").asBoolean(true)).isFalse();
        Set<String> known = new TreeSet<>();
        StabilisConfig.SETTINGS.forEach(s -> known.add(s.key()));
        for (Field f : concat(DetectConfig.class.getFields(), DriftConfig.class.getFields())) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String key = (String) f.get(null);
                if (key.startsWith(DetectConfig.PREFIX) && !key.equals(DetectConfig.PREFIX) && !key.equals(DriftConfig.PREFIX)) {
                    known.add(key);
                }
            }
        }
        Set<String> expected = new TreeSet<>(known);
        expected.removeAll(MANAGED_KEYS);
        assertThat(inSchema).isEqualTo(expected);
        assertThat(known).containsAll(MANAGED_KEYS);
        assertThat(Files.readString(Repo.CHART.resolve("templates/_helpers.tpl")))
                .contains(String.join(" ", new TreeSet<>(MANAGED_KEYS)));
        // values.yaml repeats the processes' defaults, not other values
        JsonNode values = Rendered.YAML.readTree(Repo.CHART.resolve("values.yaml").toFile()).path("config");
        Map<String, String> defaults = new HashMap<>();
        StabilisConfig.SETTINGS.forEach(s -> defaults.put(s.key(), s.defaultValue()));
        Map<String, String> detect = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith(DetectConfig.PREFIX)) {
                detect.put(e.getKey(), e.getValue().asText());
            } else {
                assertThat(e.getValue().asText()).as(e.getKey()).isEqualTo(defaults.get(e.getKey()));
            }
        }
        assertThat(DetectConfig.from(detect)).isEqualTo(DetectConfig.defaults());
        assertThat(DriftConfig.from(detect)).isEqualTo(DriftConfig.defaults());
    }

    private static Field[] concat(Field[] a, Field[] b) {
        Field[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void podsTakeExtraVolumesContainersARuntimeClassAndAnImageDigest() {
        Rendered r = Charts.templateYaml("""
                image: {digest: "sha256:%s"}
                metrics:
                  serviceMonitor:
                    enabled: true
                    sampleLimit: 20000
                    metricRelabelings: [{action: labeldrop, regex: class}]
                runner:
                  runtimeClassName: nvidia
                  extraVolumes: [{name: cache, emptyDir: {}}]
                  extraVolumeMounts: [{name: cache, mountPath: /var/cache/extra}]
                  sidecars: [{name: proxy, image: "envoyproxy/envoy:v1.31.0"}]
                  initContainers: [{name: wait, image: "busybox:1.36", command: [sh, -c, "true"]}]
                models:
                  policies:
                    digits/1: {certification: {epsilon: 0.02}}
                """.formatted("a".repeat(64)));
        JsonNode runner = r.one("StatefulSet", FULLNAME + "-runner");
        JsonNode pod = Rendered.podSpec(runner);
        assertThat(pod.path("runtimeClassName").asText()).isEqualTo("nvidia");
        assertThat(pod.path("containers")).extracting(c -> c.path("name").asText()).containsExactly("runner", "proxy");
        assertThat(pod.path("initContainers")).extracting(c -> c.path("name").asText()).as("the chart's own init container stays first")
                .containsExactly("models", "wait");
        assertThat(pod.path("volumes")).extracting(v -> v.path("name").asText()).contains("cache", "config");
        assertThat(Rendered.container(runner, "runner").path("volumeMounts")).extracting(m -> m.path("mountPath").asText())
                .contains("/var/cache/extra");
        assertThat(Rendered.container(runner, "runner").path("image").asText()).isEqualTo("stabilis@sha256:" + "a".repeat(64));
        JsonNode monitor = Rendered.podSpec(r.one("Deployment", FULLNAME + "-monitor"));
        assertThat(monitor.has("runtimeClassName")).isFalse();
        assertThat(monitor.path("containers")).hasSize(1);
        JsonNode serviceMonitor = r.one("ServiceMonitor", FULLNAME).path("spec");
        assertThat(serviceMonitor.path("sampleLimit").asInt()).isEqualTo(20000);
        assertThat(serviceMonitor.path("endpoints").get(0).path("metricRelabelings").get(0).path("action").asText()).isEqualTo("labeldrop");
    }

    @Test
    void chartAndImageAgreeOnUserPortsAndPaths() {
        Dockerfile dockerfile = Dockerfile.read(Repo.DOCKERFILE);
        Dockerfile.Stage image = dockerfile.last();
        JsonNode pod = Rendered.podSpec(defaults().one("Deployment", "stabilis-monitor"));
        assertThat(image.all("USER").get(0).args().get(0))
                .isEqualTo(pod.path("securityContext").path("runAsUser").asText() + ":" + pod.path("securityContext").path("runAsGroup").asText());
        assertThat(image.all("EXPOSE").get(0).args()).contains("9404", "9405");
        // the image's demo models are where the chart points stabilis.models.repository for models.source=image
        assertThat(image.workdir() + "/models").isEqualTo(defaults().properties(FULLNAME).getProperty("stabilis.models.repository"));
        assertThat(image.all("COPY").stream().anyMatch(c -> c.args().equals(List.of("models/", "models/")))).isTrue();
        // the engine cache is pre-filled in the image, outside every mount, so DJL only reads it
        String engineCache = image.env().get("ENGINE_CACHE_DIR");
        assertThat(engineCache).startsWith(image.workdir() + "/");
        Rendered.podSpec(defaults().one("Deployment", "stabilis-monitor")).path("containers").get(0).path("volumeMounts")
                .forEach(m -> assertThat(engineCache).doesNotStartWith(m.path("mountPath").asText()));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void assertNoSecretMaterialInConfigMaps(Rendered r) {
        for (JsonNode configMap : r.all("ConfigMap")) {
            String data = configMap.path("data").toString().toLowerCase(Locale.ROOT);
            for (String secret : List.of("jaas", "loginmodule", "password=", "password:", "begin certificate", "private key", "hunter2")) {
                assertThat(data).as("%s in ConfigMap %s", secret, configMap.path("metadata").path("name").asText())
                        .doesNotContain(secret);
            }
        }
    }

    private static List<JsonNode> workloads(Rendered r) {
        return Stream.concat(r.all("Deployment").stream(), r.all("StatefulSet").stream()).toList();
    }

    private static List<String> args(JsonNode container) {
        return texts(container.path("args"));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static JsonNode volume(JsonNode workload, String name) {
        for (JsonNode v : Rendered.podSpec(workload).path("volumes")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name + " in " + workload.path("metadata").path("name").asText());
    }

    private static JsonNode mountAt(JsonNode container, String path) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (path.equals(m.path("mountPath").asText())) {
                return m;
            }
        }
        throw new AssertionError("nothing mounted at " + path + " in " + container.path("name").asText());
    }

    private static Set<String> jsonNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).collect(TreeSet::new, Set::add, Set::addAll);
        }
    }
}
