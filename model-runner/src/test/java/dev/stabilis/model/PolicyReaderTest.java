package dev.stabilis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.smoothing.SmoothingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyReaderTest {

    @Test
    void readsEverySection() {
        ModelPolicy p = PolicyReader.parse("""
                input: {name: input, shape: [1, 8, 8]}
                features: {names: [a, b]}
                classes: [benign, malignant]
                domain: {min: 0, max: [1, 2]}
                attribution:
                  methods: [ig, smoothgrad]
                  target: logprob
                  integratedGradients: {steps: 64, baseline: [0.5, 0.5], tolerance: 0.02, maxSteps: 576}
                  smoothGrad: {samples: 8, sigma: 0.2, seed: 3}
                """, "p.yaml");
        assertThat(p.inputShape()).containsExactly(1, 8, 8);
        assertThat(p.featureNames()).containsExactly("a", "b");
        assertThat(p.classNames()).containsExactly("benign", "malignant");
        assertThat(p.range(1)).isEqualTo(2.0);
        assertThat(p.attribution().methods()).containsExactly("ig", "smoothgrad");
        assertThat(p.attribution().target()).isEqualTo("logprob");
        assertThat(p.attribution().igSteps()).isEqualTo(64);
        assertThat(p.attribution().igBaseline()).containsExactly(0.5, 0.5);
        assertThat(p.attribution().igTolerance()).isEqualTo(0.02);
        assertThat(p.attribution().igMaxSteps(64)).isEqualTo(576);
        assertThat(p.attribution().smoothGradSamples()).isEqualTo(8);
        assertThat(p.attribution().smoothGradSigma()).isEqualTo(0.2);
        assertThat(p.attribution().smoothGradSeed()).isEqualTo(3);
    }

    @Test
    void absentSectionsTakeTheDefaults() {
        ModelPolicy p = PolicyReader.parse("classes: [a, b]\n", "p.yaml");
        assertThat(p.attribution()).isEqualTo(ModelPolicy.Attribution.DEFAULT);
        assertThat(p.hasDomain()).isFalse();
        assertThat(p.range(0)).isEqualTo(1.0);
        assertThat(PolicyReader.parse("", "p.yaml")).isSameAs(ModelPolicy.DEFAULT);
    }

    @Test
    void integratedGradientsRefinesToOnePercentWithinNineTimesItsStepsByDefault() {
        ModelPolicy.Attribution a = PolicyReader.parse("attribution: {integratedGradients: {steps: 16}}", "p.yaml").attribution();
        assertThat(a.igTolerance()).isEqualTo(0.01);
        assertThat(a.igMaxSteps(16)).isEqualTo(144);
    }

    @Test
    void aStepCapBelowTheStepsIsRefusedNamingBothKeys() {
        assertThatThrownBy(() -> PolicyReader.parse("attribution: {integratedGradients: {steps: 64, maxSteps: 32}}", "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessage("p.yaml: attribution.integratedGradients.maxSteps (32) is below attribution.integratedGradients.steps (64)");
        assertThatThrownBy(() -> PolicyReader.parse("attribution: {integratedGradients: {tolerance: 0}}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.attribution.integratedGradients.tolerance");
    }

    @Test
    void anUnknownKeyIsNamedWithTheFile() {
        assertThatThrownBy(() -> PolicyReader.parse("attribution:\n  stepz: 3\n", "models/x/1/stabilis.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("models/x/1/stabilis.yaml: ")
                .hasMessageContaining("stepz");
    }

    @Test
    void aValueOfTheWrongTypeOrRangeIsNamedByItsPath() {
        assertThatThrownBy(() -> PolicyReader.parse("attribution: {integratedGradients: {steps: 0}}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.attribution.integratedGradients.steps");
        assertThatThrownBy(() -> PolicyReader.parse("attribution: {methods: [saliency, lime]}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.attribution.methods[1]");
        assertThatThrownBy(() -> PolicyReader.parse("domain: {min: zero, max: 1}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.domain.min");
        assertThatThrownBy(() -> PolicyReader.parse("sampling: {budgetMs: -1}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.sampling.budgetMs");
    }

    @Test
    void theSamplingSectionGivesTheFractionAndThePerSampleTimeBudget() {
        assertThat(PolicyReader.parse("sampling: {fraction: 0.5, budgetMs: 2.5}", "p.yaml").sampling())
                .isEqualTo(new ModelPolicy.Sampling(0.5, 2.5));
        assertThat(PolicyReader.parse("classes: [a]", "p.yaml").sampling()).as("no budget by default")
                .isEqualTo(new ModelPolicy.Sampling(1, 0));
    }

    @Test
    void inputEmbeddingNamesTheLookupOfATokenModelAndMustBeANonEmptyString() {
        assertThat(PolicyReader.parse("input: {embedding: /embed/Gather}", "p.yaml").inputEmbedding()).isEqualTo("/embed/Gather");
        assertThat(PolicyReader.parse("classes: [a, b]", "p.yaml").inputEmbedding()).isNull();
        assertThatThrownBy(() -> PolicyReader.parse("input: {embedding: 3}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("p.yaml: ").hasMessageContaining("$.input.embedding");
        assertThatThrownBy(() -> PolicyReader.parse("input: {embedding: ''}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.input.embedding");
    }

    @Test
    void theCertificationMethodAndItsSmoothingSettingsAreRead() {
        ModelPolicy.Certification c = PolicyReader.parse("""
                certification:
                  method: smoothing
                  k: 3
                  smoothing: {noise: gaussian, scale: 0.25, samples: 500, alpha: 0.01, radius: 0.2, clipNorm: 4, seed: 7, rowBudget: 1024}
                """, "p.yaml").certification();
        assertThat(c.method()).isEqualTo("smoothing");
        assertThat(c.smoothing()).isEqualTo(new ModelPolicy.Smoothing("gaussian", 0.25, 500, 0.01, 0.2, 4, 7, 1024));
        assertThat(PolicyReader.parse("certification: {method: linear}", "p.yaml").certification().smoothing())
                .isEqualTo(ModelPolicy.Smoothing.DEFAULT);
        assertThat(PolicyReader.parse("certification: {method: auto}", "p.yaml").certification().method()).isEqualTo("auto");
        assertThat(PolicyReader.parse("certification: {k: 3}", "p.yaml").certification().method()).as("auto").isNull();
        assertThatThrownBy(() -> PolicyReader.parse("certification: {method: crown}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("p.yaml").hasMessageContaining("$.certification.method");
        assertThatThrownBy(() -> PolicyReader.parse("certification: {smoothing: {noise: laplace}}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.certification.smoothing.noise");
        assertThatThrownBy(() -> PolicyReader.parse("certification: {smoothing: {alpha: 1}}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.certification.smoothing.alpha");
    }

    @Test
    void theClipNormIsANumberAboveZeroOrUnitWhichIsTheDefault() {
        assertThat(PolicyReader.parse("certification: {smoothing: {clipNorm: unit}}", "p.yaml").certification().smoothing()
                .clipNorm()).isEqualTo(SmoothingSettings.UNIT_NORM);
        assertThat(ModelPolicy.Smoothing.DEFAULT.clipNorm()).isEqualTo(SmoothingSettings.UNIT_NORM);
        for (String bad : new String[] {"0", "-1", "norm"}) {
            assertThatThrownBy(() -> PolicyReader.parse("certification: {smoothing: {clipNorm: " + bad + "}}", "p.yaml"))
                    .as(bad).isInstanceOf(PolicyException.class).hasMessageContaining("$.certification.smoothing.clipNorm");
        }
    }

    /** An eighth of the domain range per feature: the ball of radius 1 on 64 features in [0, 1], whatever the size. */
    @Test
    void withoutAScaleTheNoiseSpreadsAnEighthOfTheDomainRangePerFeature() {
        ModelPolicy unitDomain = PolicyReader.parse("domain: {min: 0, max: 1}", "p.yaml");
        assertThat(unitDomain.smoothingScale(64)).isEqualTo(1.0);
        assertThat(unitDomain.smoothingScale(3072)).isCloseTo(0.125 * Math.sqrt(3072), offset(1e-12));
        assertThat(PolicyReader.parse("domain: {min: 0, max: 255}", "p.yaml").smoothingScale(64)).isEqualTo(255.0);
        assertThat(PolicyReader.parse("domain: {min: [0, 0], max: [1, 3]}", "p.yaml").smoothingScale(2))
                .as("the mean range, 2").isCloseTo(0.25 * Math.sqrt(2), offset(1e-12));
        assertThat(ModelPolicy.DEFAULT.smoothingScale(64)).as("no domain: a range of 1").isEqualTo(1.0);
        assertThat(PolicyReader.parse("certification: {smoothing: {noise: gaussian}}", "p.yaml").smoothingScale(3072))
                .as("σ is the spread itself").isEqualTo(0.125);
        assertThat(PolicyReader.parse("certification: {smoothing: {scale: 0.3}}", "p.yaml").smoothingScale(3072))
                .as("a configured scale").isEqualTo(0.3);
    }

    @Test
    void theLinearMethodsOptimisationStepsAreReadAndAMissingOrNegativeCountIsRefusedByName() {
        assertThat(PolicyReader.parse("certification: {method: linear, linear: {alphaSteps: 5}}", "p.yaml").certification().alphaSteps())
                .isEqualTo(5);
        assertThat(PolicyReader.parse("certification: {method: linear}", "p.yaml").certification().alphaSteps()).isZero();
        assertThatThrownBy(() -> PolicyReader.parse("certification: {linear: {alphaSteps: -1}}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("p.yaml: ").hasMessageContaining("$.certification.linear.alphaSteps");
        assertThatThrownBy(() -> PolicyReader.parse("certification: {linear: {}}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.certification.linear").hasMessageContaining("alphaSteps");
        assertThatThrownBy(() -> PolicyReader.parse("certification: {linear: {alphaSteps: 2.5}}", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("$.certification.linear.alphaSteps");
    }

    @Test
    void anEmptyDomainIsRefused() {
        assertThatThrownBy(() -> PolicyReader.parse("domain: {min: [0, 1], max: [1, 1]}", "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessage("p.yaml: domain.min must be below domain.max (feature 1: 1.0 >= 1.0)");
    }

    @Test
    void brokenYamlIsRefusedAsSuch() {
        assertThatThrownBy(() -> PolicyReader.parse("classes: [a, b\n", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("p.yaml: not valid YAML");
    }

    @Test
    void anOversizedPolicyFileIsRefusedBeforeParsing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("stabilis.yaml");
        Files.writeString(file, "# " + "x".repeat((int) PolicyReader.MAX_POLICY_BYTES));
        assertThatThrownBy(() -> PolicyReader.read(file)).isInstanceOf(PolicyException.class)
                .hasMessageContaining("larger than " + PolicyReader.MAX_POLICY_BYTES + " bytes");
    }

    @Test
    void deeplyNestedYamlIsRefusedWithoutExhaustingTheStack() {
        String nested = "classes: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
        assertThatThrownBy(() -> PolicyReader.parse(nested, "deep.yaml")).isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("deep.yaml: not valid YAML");
    }

    @Test
    void javaTypeTagsAreNeverInstantiated() {
        String gadget = "classes: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]\n";
        assertThatThrownBy(() -> PolicyReader.parse(gadget, "gadget.yaml")).isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("gadget.yaml: ");
        assertThat(PolicyReader.parse("classes: [!!java.io.File /etc/passwd]\n", "tag.yaml").classNames())
                .as("a tag only labels a scalar; the value stays a plain string").containsExactly("/etc/passwd");
    }

    @Test
    void yamlAliasBombsAreRefused() {
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'z'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p).append(", *")
                    .append(p).append("]\n");
        }
        assertThatThrownBy(() -> PolicyReader.parse(bomb.toString(), "bomb.yaml")).isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("bomb.yaml: ");
    }

    @Test
    void readsTheCertificationSectionAndDerivesTheRadiusSearchFromTheDomain() {
        ModelPolicy p = PolicyReader.parse("""
                domain: {min: 0, max: [1, 4]}
                certification:
                  epsilon: 0.02
                  k: 3
                  target: logprob
                  parameterGamma: 0.01
                  tightening: split
                  splitLeaves: 32
                  splitBudgetMs: 5
                  radius: {steps: 10}
                """, "p.yaml");
        ModelPolicy.Certification c = p.certification();
        assertThat(c.epsilon()).isEqualTo(0.02);
        assertThat(c.k()).isEqualTo(3);
        assertThat(c.target()).isEqualTo("logprob");
        assertThat(c.parameterGamma()).isEqualTo(0.01);
        assertThat(c.splitting()).isEqualTo(new Splitting(32, 5));
        assertThat(c.radiusSteps()).isEqualTo(10);
        assertThat(p.radiusMax(2)).as("largest domain range").isEqualTo(4.0);
        assertThat(PolicyReader.parse("certification: {tightening: none, splitLeaves: 8}", "p.yaml").certification().splitting())
                .as("splitting only when tightening is split").isEqualTo(new Splitting(1, 20));
        assertThat(PolicyReader.parse("certification: {tightening: split}", "p.yaml").certification().splitting())
                .as("the defaults").isEqualTo(new Splitting(16, 20));
        assertThatThrownBy(() -> PolicyReader.parse("certification: {splitLeaves: 6}", "p.yaml"))
                .hasMessageContaining("$.certification.splitLeaves");
        assertThatThrownBy(() -> PolicyReader.parse("certification: {tightening: split, splitBudgetMs: 0}", "p.yaml"))
                .hasMessageContaining("$.certification.splitBudgetMs");
        assertThatThrownBy(() -> PolicyReader.parse("certification: {parameterGamma: 1}", "p.yaml"))
                .hasMessageContaining("$.certification.parameterGamma");
    }

    @Test
    void readsTheAttackSectionWhoseBoxDefaultsToTheCertificates() {
        ModelPolicy p = PolicyReader.parse("""
                certification: {epsilon: 0.02, k: 3}
                attack:
                  method: targeted
                  steps: 80
                  restarts: 2
                  seed: 11
                  beta: 5
                  thickness: {endPoints: 4, nodes: 2}
                """, "p.yaml");
        assertThat(p.attack()).isEqualTo(new ModelPolicy.Attack("targeted", Double.NaN, 0, 80, Double.NaN, 2, 11, 5, 4, 2));
        assertThat(PolicyReader.parse("attack: {epsilon: 0.1, k: 7, stepSize: 0.01}", "p.yaml").attack())
                .extracting(ModelPolicy.Attack::epsilon, ModelPolicy.Attack::k, ModelPolicy.Attack::stepSize)
                .containsExactly(0.1, 7, 0.01);
        assertThat(PolicyReader.parse("classes: [a]", "p.yaml").attack()).isEqualTo(ModelPolicy.Attack.DEFAULT);
        assertThatThrownBy(() -> PolicyReader.parse("attack: {method: fgsm}", "p.yaml")).hasMessageContaining("$.attack.method");
        assertThatThrownBy(() -> PolicyReader.parse("attack: {steps: 0}", "p.yaml")).hasMessageContaining("$.attack.steps");
        assertThatThrownBy(() -> PolicyReader.parse("attack: {thickness: {nodes: 0}}", "p.yaml"))
                .hasMessageContaining("$.attack.thickness.nodes");
    }
}
