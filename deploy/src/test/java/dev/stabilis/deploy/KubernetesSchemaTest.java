package dev.stabilis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendered manifests against the Kubernetes API schemas and the prometheus-operator CRDs, offline: node runs
 * helm/test/validate.mjs with the packages of helm/test/package-lock.json (kubernetes-models and
 * @kubernetes-models/prometheus-operator and @kubernetes-models/keda for the OpenAPI schemas, TypeScript for unknown fields). The build installs
 * them with `npm ci` before the tests (exec-maven-plugin, generate-test-resources).
 */
class KubernetesSchemaTest {

    private static final Path TEST_DIR = Repo.ROOT.resolve("helm/test");

    @TempDir
    Path dir;

    @BeforeAll
    static void packagesAreInstalled() {
        assertThat(TEST_DIR.resolve("node_modules/kubernetes-models"))
                .as("helm/test/node_modules is missing: run `npm ci` in helm/test (mvn does it before the tests)").isDirectory();
    }

    @Test
    void everyRenderedObjectMatchesItsSchema() throws Exception {
        List<Path> files = new ArrayList<>();
        files.add(write("default.yaml", Charts.template().manifest));
        files.add(write("gpu.yaml", Charts.template(Repo.EXAMPLES.resolve("gpu-values.yaml")).manifest));
        files.add(write("secured.yaml", Charts.template(Repo.EXAMPLES.resolve("existing-kafka-values.yaml")).manifest));
        files.add(write("kserve.yaml", Charts.template(Repo.EXAMPLES.resolve("kserve/kserve-values.yaml")).manifest));
        files.add(write("seldon.yaml", Charts.template(Repo.EXAMPLES.resolve("seldon-values.yaml")).manifest));
        files.add(write("hooks.yaml", Charts.template(Charts.chartWithTestHooksAsManifests(), List.of(), Map.of()).manifest));
        // every optional object at once: new claim, mutual TLS, policies, budgets by minAvailable, extra env
        files.add(write("everything.yaml", Charts.templateYaml("""
                kafka:
                  securityProtocol: SASL_SSL
                  sasl: {mechanism: SCRAM-SHA-256, existingSecret: user}
                  tls:
                    existingSecret: ca
                    truststoreKey: ca.p12
                    truststoreType: PKCS12
                    truststorePasswordKey: ca.password
                    keystore: {existingSecret: user-tls}
                autoscaling:
                  keda: {enabled: true, authenticationRef: kafka-credentials}
                models:
                  source: newClaim
                  policies:
                    digits/1: {certification: {epsilon: 0.02}}
                metrics:
                  prometheusRelease: monitoring
                  serviceMonitor: {enabled: true, namespace: monitoring, sampleLimit: 20000, metricRelabelings: [{action: labeldrop, regex: class}]}
                  prometheusRule: {enabled: true}
                dashboards: {enabled: true, namespace: grafana}
                imagePullSecrets: [{name: registry}]
                monitor:
                  podDisruptionBudget: {enabled: true, minAvailable: 1}
                  extraEnv: [{name: TZ, value: UTC}]
                  topologySpreadConstraints:
                    - maxSkew: 1
                      topologyKey: kubernetes.io/hostname
                      whenUnsatisfiable: ScheduleAnyway
                      labelSelector: {matchLabels: {app.kubernetes.io/component: monitor}}
                runner:
                  gpu: 2
                  priorityClassName: high
                  runtimeClassName: nvidia
                  extraVolumes: [{name: cache, emptyDir: {}}]
                  extraVolumeMounts: [{name: cache, mountPath: /var/cache/extra}]
                  sidecars: [{name: proxy, image: "envoyproxy/envoy:v1.31.0"}]
                  initContainers: [{name: wait, image: "busybox:1.36", command: [sh, -c, "true"]}]
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms:
                          - matchExpressions: [{key: gpu, operator: In, values: [h100]}]
                """).manifest));
        files.add(write("hpa.yaml", Charts.templateYaml("autoscaling: {hpa: {enabled: true}}\n").manifest));
        Result result = validate(files);
        assertThat(result.exit).as(result.output).isZero();
        assertThat(result.output).contains("keda.sh/v1alpha1/ScaledObject stabilis-runner")
                .contains("keda.sh/v1alpha1/ScaledObject stabilis-monitor").contains("autoscaling/v2/HorizontalPodAutoscaler stabilis-runner");
        assertThat(result.output).contains("types ok").contains("monitoring.coreos.com/v1/ServiceMonitor")
                .contains("monitoring.coreos.com/v1/PrometheusRule").contains("v1/Pod stabilis-test-ready")
                .contains("v1/PersistentVolumeClaim stabilis-models").doesNotContain("INVALID");
    }

    @Test
    void theValidatorRejectsUnknownFieldsAndWrongTypes() throws Exception {
        String manifest = Charts.template().manifest
                .replaceFirst("enableServiceLinks: false", "enableServiceLinks: false\n      enableServiceLinkz: false")
                .replaceFirst("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: true\n            readOnlyRootFileSystem: true")
                .replaceFirst("containerPort: 9404", "containerPort: \"9404\"");
        Result result = validate(List.of(write("broken.yaml", manifest)));
        assertThat(result.exit).as(result.output).isNotZero();
        assertThat(result.output).contains("unknown field \"enableServiceLinkz\"").contains("readOnlyRootFileSystem")
                .contains("containerPort must be integer");
    }

    private Path write(String name, String manifest) throws IOException {
        return Files.writeString(dir.resolve(name), manifest);
    }

    private record Result(int exit, String output) {
    }

    private static Result validate(List<Path> files) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", TEST_DIR.resolve("validate.mjs").toString()));
        files.forEach(f -> command.add(f.toString()));
        Process process = new ProcessBuilder(command).directory(TEST_DIR.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
