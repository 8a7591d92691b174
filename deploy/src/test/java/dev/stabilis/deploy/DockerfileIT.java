package dev.stabilis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.deploy.Dockerfile.Instruction;
import dev.stabilis.deploy.Dockerfile.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * The Dockerfile against what `mvn package` built, without a Docker engine: every path it copies exists, its
 * build stage can run Maven on the reactor, and the image runs the repository's launcher as a non-root user. Runs
 * in integration-test, after the reactor packaged monitor (monitor/target/stabilis-monitor.jar and lib/).
 */
class DockerfileIT {

    private static final Path ROOT = Repo.ROOT;
    private static Dockerfile dockerfile;
    private static Stage build;
    private static Stage runtime;

    @BeforeAll
    static void parse() {
        assertThat(ROOT.resolve("monitor/target/stabilis-monitor.jar"))
                .as("monitor is not packaged: run mvn package (this test runs in the integration-test phase)").isRegularFile();
        dockerfile = Dockerfile.read(Repo.DOCKERFILE);
        build = dockerfile.stage("build");
        runtime = dockerfile.last();
    }

    @Test
    void buildStageRunsMavenPackageOnAJdk17ImageWithEveryModulesPom() throws Exception {
        assertThat(build.image()).startsWith("maven:").contains("eclipse-temurin-17");
        List<String> mvn = build.all("RUN").stream().map(Instruction::text).filter(t -> t.startsWith("mvn ")).toList();
        assertThat(mvn).isNotEmpty().allMatch(t -> t.contains("-DskipTests") && t.contains(" package"));
        // the parent lists every module; Maven refuses the reactor if one's pom is missing, even with -pl
        Set<String> copied = new TreeSet<>();
        for (Instruction copy : build.all("COPY")) {
            List<String> sources = copy.args().subList(0, copy.args().size() - 1);
            copied.addAll(sources);
        }
        assertThat(copied).contains("pom.xml");
        for (String module : modules(ROOT.resolve("pom.xml"))) {
            assertThat(copied).as("the build stage copies %s/pom.xml", module).contains(module + "/pom.xml");
        }
        // and the sources of what `-pl monitor -am` builds
        assertThat(copied).contains("model-runner/src", "monitor/src");
        // the version ARGs name the jars the build stage unpacks: the parent pom's versions
        Map<String, String> properties = properties(ROOT.resolve("pom.xml"));
        assertThat(argDefault(build, "DJL_VERSION")).isEqualTo(properties.get("djl.version"));
        assertThat(argDefault(build, "PYTORCH_VERSION")).isEqualTo(properties.get("pytorch.native.version"));
    }

    @Test
    void everyPathCopiedFromTheBuildStageExistsAfterPackage() {
        String workdir = build.workdir();
        // paths the build stage makes itself (mkdir -p in a RUN), relative to its WORKDIR
        Set<String> made = new TreeSet<>();
        Matcher mkdir = Pattern.compile("mkdir -p ((?:[^\\s&;]+\\s*)+)").matcher(String.join("\n", build.all("RUN").stream().map(Instruction::text).toList()));
        while (mkdir.find()) {
            for (String p : mkdir.group(1).trim().split("\\s+")) {
                for (Path made1 = Path.of(p); made1 != null; made1 = made1.getParent()) {
                    made.add(made1.toString());
                }
            }
        }
        List<String> checked = new ArrayList<>();
        for (Stage stage : dockerfile.stages) {
            for (Instruction copy : stage.all("COPY")) {
                if (!"build".equals(copy.flags().get("from"))) {
                    continue;
                }
                String source = copy.args().get(0);
                assertThat(source).as("COPY --from=build reads under the build WORKDIR").startsWith(workdir + "/");
                String relative = source.substring(workdir.length() + 1).replaceAll("/$", "");
                if (made.contains(relative)) {
                    checked.add(relative + " (made by the build stage)");
                    continue;
                }
                Path path = ROOT.resolve(relative);
                assertThat(path).as("%s, copied from the build stage, after mvn package", relative).exists();
                if (source.endsWith("/")) {
                    assertThat(path).isDirectory();
                }
                checked.add(relative);
            }
        }
        assertThat(checked).contains("monitor/target/stabilis-monitor.jar", "monitor/target/lib");
        // the jars the build stage names by version
        String djl = argDefault(build, "DJL_VERSION");
        String torch = argDefault(build, "PYTORCH_VERSION");
        assertThat(ROOT.resolve("monitor/target/lib/pytorch-jni-" + torch + "-" + djl + ".jar")).isRegularFile();
        assertThat(ROOT.resolve("monitor/target/lib")).isDirectoryContaining("glob:**/pytorch-native-cpu-" + torch + "-*.jar");
    }

    @Test
    void everyPathCopiedFromTheContextExistsAndIsNotDockerignored() throws IOException {
        DockerIgnore ignore = DockerIgnore.read(ROOT.resolve(".dockerignore"));
        List<String> sources = new ArrayList<>();
        for (Stage stage : dockerfile.stages) {
            for (Instruction copy : stage.all("COPY")) {
                if (copy.flags().containsKey("from")) {
                    continue;
                }
                for (String source : copy.args().subList(0, copy.args().size() - 1)) {
                    String relative = source.replaceAll("/$", "");
                    assertThat(ROOT.resolve(relative)).as("COPY %s", source).exists();
                    assertThat(ignore.excludes(relative)).as(".dockerignore excludes %s", relative).isFalse();
                    sources.add(relative);
                }
            }
        }
        assertThat(sources).contains("stabilis", "models", "examples", "monitor/src", "model-runner/src");
        assertThat(ROOT.resolve("models/digits/1/model.onnx")).isRegularFile();
        assertThat(ROOT.resolve("models/digits/1/stabilis.yaml")).isRegularFile();
        // build outputs stay out of the context (monitor/target alone is hundreds of MB)
        assertThat(ignore.excludes("monitor/target")).isTrue();
        assertThat(ignore.excludes("model-runner/target/classes")).isTrue();
        assertThat(ignore.excludes(".git")).isTrue();
    }

    @Test
    void imageRunsTheLauncherAsNonRootWithDemoAsDefaultCommand() throws IOException {
        assertThat(runtime.name()).isEqualTo("runtime");
        String workdir = runtime.workdir();
        assertThat(runtime.all("ENTRYPOINT").get(0).args()).containsExactly(workdir + "/stabilis");
        assertThat(runtime.all("CMD").get(0).args()).containsExactly("demo");
        Path launcher = ROOT.resolve("stabilis");
        assertThat(launcher).isRegularFile().isExecutable();
        String script = Files.readString(launcher);
        assertThat(script).startsWith("#!/usr/bin/env bash").contains("monitor/target/stabilis-monitor.jar")
                .contains("monitor/target/lib/*").contains("dev.stabilis.cli.StabilisCommand");
        // the launcher finds the jar and lib/ beside itself: the image copies them to WORKDIR/monitor/target
        assertThat(runtime.all("COPY").stream().map(c -> c.args().get(c.args().size() - 1)))
                .contains("monitor/target/stabilis-monitor.jar", "monitor/target/lib/");
        assertThat(runtime.all("COPY").stream().anyMatch(c -> c.args().equals(List.of("stabilis", "./")))).isTrue();
        // non-root, by number (Kubernetes' runAsNonRoot can only verify a numeric USER)
        List<Instruction> users = runtime.all("USER");
        String user = users.get(users.size() - 1).args().get(0);
        assertThat(user).matches("\\d+:\\d+");
        assertThat(Integer.parseInt(user.split(":")[0])).isPositive();
        assertThat(runtime.all("RUN").stream().map(Instruction::text))
                .anyMatch(t -> t.contains("useradd") && t.contains("--uid " + user.split(":")[0]));
        assertThat(runtime.all("EXPOSE").get(0).args()).contains("9404", "9405", "9092");
    }

    @Test
    void runtimeStageFixesTheWritableAndPreWarmedPaths() {
        Map<String, String> env = runtime.env();
        String djlCache = env.get("DJL_CACHE_DIR");
        String engineCache = env.get("ENGINE_CACHE_DIR");
        assertThat(djlCache).isNotBlank();
        assertThat(engineCache).isNotBlank().isNotEqualTo(djlCache);
        assertThat(env).containsEntry("STABILIS_METRICS_HOST", "0.0.0.0");
        String runs = String.join("\n", runtime.all("RUN").stream().map(Instruction::text).toList());
        // the writable directories exist and belong to the user
        assertThat(runs).contains("mkdir -p " + djlCache).contains("chown -R 10001:10001");
        // the pre-warm (and smoke test) explains a bundled example with the bundled model
        Matcher explain = Pattern.compile("\\./stabilis explain --model (\\S+) --input (\\S+)").matcher(runs);
        assertThat(explain.find()).isTrue();
        assertThat(ROOT.resolve(explain.group(1)).resolve("model.onnx")).isRegularFile();
        assertThat(ROOT.resolve(explain.group(2))).isRegularFile();
        // one runtime base per flavor; the default flavor has one
        String flavor = dockerfile.globalArgs.get("TORCH_FLAVOR");
        assertThat(flavor).isEqualTo("cpu");
        assertThat(runtime.image()).isEqualTo("runtime-${TORCH_FLAVOR}");
        assertThat(dockerfile.stage("runtime-cpu").image()).startsWith("eclipse-temurin:17-jre");
        Stage cuda = dockerfile.stage("runtime-cu128");
        assertThat(cuda.image()).startsWith("nvidia/cuda:12.8");
        assertThat(cuda.env()).containsEntry("PYTORCH_FLAVOR", "cu128")
                .containsEntry("PYTORCH_VERSION", properties(ROOT.resolve("pom.xml")).get("pytorch.native.version"));
        // libtorch once: unpacked to PYTORCH_LIBRARY_PATH, the CPU native jar dropped from lib/ in the build stage
        Stage cpu = dockerfile.stage("runtime-cpu");
        assertThat(cpu.env()).containsEntry("PYTORCH_FLAVOR", "cpu").containsEntry("PYTORCH_LIBRARY_PATH", "/opt/libtorch/lib")
                .containsEntry("PYTORCH_VERSION", properties(ROOT.resolve("pom.xml")).get("pytorch.native.version"));
        assertThat(build.all("RUN").stream().map(Instruction::text)).anyMatch(t -> t.contains("rm monitor/target/lib/pytorch-native-cpu-*.jar")
                && t.contains("pytorch/cpu/linux-x86_64") && !t.contains("if [ \"$TORCH_FLAVOR\" != cpu ]; then"));
        // the CUDA libtorch download is checked against a checksum that must be given
        Stage libtorch = dockerfile.stage("libtorch-cu128");
        assertThat(libtorch.all("ARG").stream().map(a -> a.args().get(0))).contains("LIBTORCH_SHA256");
        assertThat(libtorch.all("RUN").stream().map(Instruction::text))
                .anyMatch(t -> t.startsWith("test -n \"$LIBTORCH_SHA256\""))
                .anyMatch(t -> t.contains("sha256sum -c -") && !t.contains("if [ -n \"$LIBTORCH_SHA256\" ]"));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String argDefault(Stage stage, String name) {
        for (Instruction arg : stage.all("ARG")) {
            String[] kv = arg.args().get(0).split("=", 2);
            if (kv[0].equals(name)) {
                return kv.length > 1 ? kv[1] : "";
            }
        }
        throw new AssertionError("no ARG " + name + " in stage " + stage.name());
    }

    /** The modules the default reactor reads (a profile's modules, such as {@code bench}, only with that profile). */
    private static List<String> modules(Path pom) throws Exception {
        NodeList nodes = (NodeList) javax.xml.xpath.XPathFactory.newInstance().newXPath()
                .evaluate("/project/modules/module", xml(pom), javax.xml.xpath.XPathConstants.NODESET);
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            modules.add(nodes.item(i).getTextContent().trim());
        }
        return modules;
    }

    private static Map<String, String> properties(Path pom) {
        try {
            NodeList props = xml(pom).getElementsByTagName("properties").item(0).getChildNodes();
            Map<String, String> out = new java.util.HashMap<>();
            for (int i = 0; i < props.getLength(); i++) {
                if (props.item(i).getNodeType() == org.w3c.dom.Node.ELEMENT_NODE) {
                    out.put(props.item(i).getNodeName(), props.item(i).getTextContent().trim());
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    /** .dockerignore patterns (Go filepath.Match with **, ! exceptions, the last match wins). */
    record DockerIgnore(List<Pattern> patterns, List<Boolean> exclude) {

        static DockerIgnore read(Path file) throws IOException {
            List<Pattern> patterns = new ArrayList<>();
            List<Boolean> exclude = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                String p = line.strip();
                if (p.isEmpty() || p.startsWith("#")) {
                    continue;
                }
                boolean negated = p.startsWith("!");
                p = (negated ? p.substring(1) : p).replaceAll("^/+|/+$", "");
                StringBuilder regex = new StringBuilder();
                for (int i = 0; i < p.length(); i++) {
                    char c = p.charAt(i);
                    if (c == '*' && i + 1 < p.length() && p.charAt(i + 1) == '*') {
                        regex.append(".*");
                        i++;
                        if (i + 1 < p.length() && p.charAt(i + 1) == '/') {
                            regex.setLength(regex.length() - 2);
                            regex.append("(?:.*/)?");
                            i++;
                        }
                    } else if (c == '*') {
                        regex.append("[^/]*");
                    } else if (c == '?') {
                        regex.append("[^/]");
                    } else {
                        regex.append(Pattern.quote(String.valueOf(c)));
                    }
                }
                patterns.add(Pattern.compile(regex.toString()));
                exclude.add(!negated);
            }
            return new DockerIgnore(patterns, exclude);
        }

        /** Whether the path, or a folder it is in, is excluded. */
        boolean excludes(String path) {
            boolean excluded = false;
            for (int i = 0; i < patterns.size(); i++) {
                String prefix = "";
                for (String part : path.split("/")) {
                    prefix = prefix.isEmpty() ? part : prefix + "/" + part;
                    if (patterns.get(i).matcher(prefix).matches()) {
                        excluded = exclude.get(i);
                        break;
                    }
                }
            }
            return excluded;
        }
    }
}
