package dev.stabilis.cli;

import ai.djl.Device;
import dev.stabilis.engine.Devices;
import dev.stabilis.graph.Graph;
import dev.stabilis.harden.Architecture;
import dev.stabilis.harden.Dataset;
import dev.stabilis.harden.HardenSettings;
import dev.stabilis.harden.Measures;
import dev.stabilis.harden.ModelVersionWriter;
import dev.stabilis.harden.Trainer;
import dev.stabilis.harden.UnitScaling;
import dev.stabilis.onnx.OnnxImporter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis harden}: trains a new MLP or fine-tunes an ONNX MLP with cross-entropy plus the selected
 * explanation-hardening penalties, writes the result as a model repository version, and prints the plain and
 * hardened figures side by side.
 */
@Command(name = "harden", mixinStandardHelpOptions = true,
        description = {"Train or fine-tune a model for robust explanations and write a model repository version "
                + "(model.onnx + stabilis.yaml).",
            "Methods (combinable, always with cross-entropy): smooth (softplus(beta) for ReLU + weight decay, Dombrowski et al.), "
                + "hessian (Hutchinson Hessian-norm penalty), certified (width of certified gradient bounds with a linear epsilon "
                + "ramp, Wicker et al.), adversarial (l-infinity adversarial training, Chen et al.), thickness (R2ET top-k margin), "
                + "protection (cosine of attributions at x and a perturbed x, Wang & Kong), kendall (the same with a smooth "
                + "Kendall's tau of attribution magnitudes).",
            "Every epsilon is a fraction of each feature's domain range."})
final class HardenCommand implements Callable<Integer> {

    private static final List<String> METHODS = List.of("smooth", "hessian", "certified", "adversarial", "thickness", "protection", "kendall");

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    private LabelledDataOptions labelled;

    @Option(names = "--domain", paramLabel = "data|LO:HI", defaultValue = "data",
            description = "Input domain: each feature's min and max over the data, or one range for all (default: ${DEFAULT-VALUE}).")
    private String domain;

    @Option(names = "--model", required = true, paramLabel = "<file.onnx|mlp:H1-H2-...:ACT>",
            description = "An ONNX MLP to fine-tune, or a new MLP: hidden widths and relu, tanh, sigmoid or softplus, e.g. mlp:64-64:relu.")
    private String model;

    @Option(names = "--standardize", description = "New MLPs only: start with (x - mean) / std of the training split.")
    private boolean standardize;

    @Option(names = "--method", split = ",", paramLabel = "<m>[,<m>...]",
            description = "Hardening methods: smooth, hessian, certified, adversarial, thickness, protection, kendall (default: none).")
    private List<String> methods = List.of();

    @Option(names = "--out", required = true, paramLabel = "<dir>", description = "The version directory to write, e.g. models/digits/2.")
    private Path out;

    @Option(names = "--epochs", defaultValue = "15", description = "Passes over the training split (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Rows per step (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(names = "--lr", defaultValue = "0.002", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of split, initialisation, shuffling and probes (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--test-fraction", defaultValue = "0.2", description = "Held-out share of the data (default: ${DEFAULT-VALUE}).")
    private double testFraction;

    @Option(names = "--epsilon", defaultValue = "0.05",
            description = "Box half-width for certified, adversarial, protection and the attack in the summary (default: ${DEFAULT-VALUE}).")
    private double epsilon;

    @Option(names = "--k", defaultValue = "5", description = "Top-k size for thickness, the summary and the policy (default: ${DEFAULT-VALUE}).")
    private int k;

    @Option(names = "--beta", defaultValue = "2", description = "smooth: softplus beta replacing ReLU (default: ${DEFAULT-VALUE}).")
    private float beta;

    @Option(names = "--weight-decay", defaultValue = "0.001", description = "smooth: weight decay lambda (default: ${DEFAULT-VALUE}).")
    private double weightDecay;

    @Option(names = "--hessian-weight", defaultValue = "0.01", description = "hessian: lambda (default: ${DEFAULT-VALUE}).")
    private double hessianWeight;

    @Option(names = "--hessian-probes", defaultValue = "2", description = "hessian: Gaussian probes per sample (default: ${DEFAULT-VALUE}).")
    private int hessianProbes;

    @Option(names = "--surrogate-beta", defaultValue = "10",
            description = "Softplus beta standing in for ReLU in second-order terms and the attack (default: ${DEFAULT-VALUE}).")
    private float surrogateBeta;

    @Option(names = "--certified-weight", defaultValue = "1", description = "certified: lambda (default: ${DEFAULT-VALUE}).")
    private double certifiedWeight;

    @Option(names = "--epsilon-ramp", defaultValue = "0.5",
            description = "certified: share of training over which epsilon grows linearly from 0 (default: ${DEFAULT-VALUE}).")
    private double epsilonRamp;

    @Option(names = "--adversary-steps", defaultValue = "5", description = "adversarial: PGD steps (default: ${DEFAULT-VALUE}).")
    private int adversarySteps;

    @Option(names = "--thickness-weight", defaultValue = "0.05", description = "thickness: lambda (default: ${DEFAULT-VALUE}).")
    private double thicknessWeight;

    @Option(names = "--protection-weight", defaultValue = "10", description = "protection: lambda (default: ${DEFAULT-VALUE}).")
    private double protectionWeight;

    @Option(names = "--kendall-weight", defaultValue = "1", description = "kendall: lambda (default: ${DEFAULT-VALUE}).")
    private double kendallWeight;

    @Option(names = "--eval-rows", defaultValue = "100", description = "Held-out rows the summary measures (default: ${DEFAULT-VALUE}).")
    private int evalRows;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    private String device;

    @Option(names = "--threads", defaultValue = "0",
            description = "PyTorch intra-op threads; 0 keeps the engine's default (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Override
    public Integer call() {
        Set<String> chosen = methods();
        labelled.check();
        if (!(epsilon > 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("--epsilon must be in (0, 1] (a fraction of each feature's range), got " + epsilon);
        }
        ModelVersionWriter.requireFree(out);
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        }
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
        HardenSettings plain = HardenSettings.plain(epochs, batchSize, learningRate, seed).withSurrogateBeta(surrogateBeta);
        HardenSettings settings = settings(plain, chosen);
        Dataset all = Dataset.readCsv(labelled.data, labelled.header, labelled.featureScale);
        UnitScaling scaling = UnitScaling.parse(domain, all);
        Dataset.Split split = all.split(testFraction, seed);
        if (k >= all.featureCount()) {
            throw new IllegalArgumentException("--k " + k + " must be below the " + all.featureCount() + " features");
        }
        boolean fineTune = !model.startsWith("mlp:");
        Graph initial = scaling.onUnitBox(fineTune ? OnnxImporter.read(Path.of(model))
                : Architecture.parse(model).build(all.featureCount(), all.classes(),
                        standardize ? Architecture.standardization(split.train()) : null, seed));
        Dataset train = scaling.toUnit(split.train());
        Dataset test = scaling.toUnit(split.test());
        Device on = Devices.resolve(device);
        PrintWriter console = spec.commandLine().getOut();
        console.printf(Locale.ROOT, "%d training rows, %d held out, %d features, %d classes on %s%n", train.size(), test.size(),
                all.featureCount(), all.classes(), on);
        Graph baseline = initial;
        if (!fineTune) {
            console.println("plain (cross-entropy only):");
            baseline = new Trainer(plain, line -> progress(console, line)).train(initial, train, test, on);
        }
        console.println("hardened (" + (chosen.isEmpty() ? "cross-entropy only" : String.join(", ", chosen)) + "):");
        Graph hardened = new Trainer(settings, line -> progress(console, line)).train(initial, train, test, on);
        ModelVersionWriter.write(out, scaling.onDomain(hardened), all.classNames(), scaling, epsilon, k,
                "Stabilis model policy written by stabilis harden (methods: " + (chosen.isEmpty() ? "none" : String.join(",", chosen))
                        + "; data " + labelled.data.getFileName() + "; seed " + seed + ")");
        Measures.Settings measure = new Measures.Settings(evalRows, Math.min(evalRows, 50), epsilon, epsilon / 5, k, 20, surrogateBeta, seed);
        console.println();
        console.println(Measures.header(measure));
        console.println(Measures.of(baseline, test, measure, on).row(fineTune ? "original" : "plain"));
        console.println(Measures.of(hardened, test, measure, on).row("hardened"));
        console.println();
        console.println("wrote " + out.resolve("model.onnx") + " and " + out.resolve("stabilis.yaml"));
        console.flush();
        return ExitCodes.OK;
    }

    private Set<String> methods() {
        Set<String> chosen = new LinkedHashSet<>();
        for (String m : methods) {
            String name = m.trim().toLowerCase(Locale.ROOT);
            if (!METHODS.contains(name)) {
                throw new IllegalArgumentException("unknown --method '" + m + "' (use " + String.join(", ", METHODS) + ")");
            }
            chosen.add(name);
        }
        return chosen;
    }

    private HardenSettings settings(HardenSettings plain, Set<String> chosen) {
        HardenSettings s = plain;
        if (chosen.contains("smooth")) {
            s = s.withSmoothing(beta, weightDecay);
        }
        if (chosen.contains("hessian")) {
            s = s.withHessian(hessianWeight, hessianProbes);
        }
        if (chosen.contains("certified")) {
            s = s.withCertified(certifiedWeight, epsilon, epsilonRamp);
        }
        if (chosen.contains("adversarial")) {
            s = s.withAdversary(epsilon, adversarySteps);
        }
        if (chosen.contains("thickness")) {
            s = s.withThickness(thicknessWeight, k);
        }
        if (chosen.contains("protection")) {
            s = s.withProtection(protectionWeight, epsilon);
        }
        if (chosen.contains("kendall")) {
            s = s.withKendall(kendallWeight, epsilon);
        }
        return s;
    }

    private static void progress(PrintWriter console, String line) {
        console.println("  " + line);
        console.flush();
    }
}
