package dev.stabilis.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** `helm template` and `helm install --dry-run` of the chart with embedded Helm (helm-java). */
final class Charts {

    /** Helm renders for this cluster version (the chart needs at least 1.25). */
    static final String KUBE_VERSION = "1.31.0";
    static final String RELEASE = "stabilis";
    static final String NAMESPACE = "ml";

    private Charts() {
    }

    static Rendered template(Path chart, List<Path> valuesFiles, Map<String, Object> sets) {
        TemplateCommand command = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        for (Path file : valuesFiles) {
            command = command.withValuesFile(file);
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            command = command.set(set.getKey(), set.getValue());
        }
        return new Rendered(command.call());
    }

    static Rendered template(Path... valuesFiles) {
        return template(Repo.CHART, List.of(valuesFiles), Map.of());
    }

    /** Values given as YAML text. */
    static Rendered templateYaml(String valuesYaml) {
        return template(Repo.CHART, List.of(valuesFile(valuesYaml)), Map.of());
    }

    static Path valuesFile(String yaml) {
        try {
            Path file = Files.createTempFile("stabilis-values", ".yaml");
            file.toFile().deleteOnExit();
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The release notes (NOTES.txt) of a client-only dry-run install. */
    static String notes(Path... valuesFiles) {
        InstallCommand install = new Helm(Repo.CHART).install().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION).clientOnly().dryRun();
        for (Path file : valuesFiles) {
            install = install.withValuesFile(file);
        }
        String output = install.call().getOutput();
        int notes = output.indexOf("NOTES:");
        return notes < 0 ? "" : output.substring(notes);
    }

    /**
     * The chart with its `helm test` hooks turned into plain manifests, in a temporary copy: helm-java's template
     * leaves hooks out, and this renders the test pod like every other object.
     */
    static Path chartWithTestHooksAsManifests() {
        try {
            Path copy = Files.createTempDirectory("stabilis-chart");
            Path target = copy.resolve("stabilis");
            try (var paths = Files.walk(Repo.CHART)) {
                for (Path source : paths.toList()) {
                    Path destination = target.resolve(Repo.CHART.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(destination);
                    } else {
                        Files.copy(source, destination);
                    }
                }
            }
            try (var tests = Files.list(target.resolve("templates/tests"))) {
                for (Path test : tests.toList()) {
                    String text = Files.readString(test);
                    if (!text.contains("helm.sh/hook: test")) {
                        throw new AssertionError(test + " is not a helm test hook");
                    }
                    Files.writeString(test, text.replace("helm.sh/hook: test", "stabilis.test/was-hook: test"));
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
