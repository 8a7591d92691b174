package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CertifyCommandTest {

    private static final String DEMO = Path.of("..", "models", "digits", "1").toString();
    private static final String PAYLOAD = Path.of("..", "examples", "digits-v2.json").toString();

    @Test
    void printsBoundsThatEncloseTheGradientAndEveryCertificate() throws Exception {
        CliRun run = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.002", "--k", "5", "--device", "cpu");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode root = run.json();
        assertThat(root.get("epsilon").asDouble()).isEqualTo(0.002);
        assertThat(root.get("results")).hasSize(3);
        for (JsonNode r : root.get("results")) {
            assertThat(r.get("gradient")).hasSize(64);
            for (int i = 0; i < 64; i++) {
                assertThat(r.get("lower").get(i).asDouble()).isLessThanOrEqualTo(r.get("gradient").get(i).asDouble());
                assertThat(r.get("upper").get(i).asDouble()).isGreaterThanOrEqualTo(r.get("gradient").get(i).asDouble());
            }
            JsonNode c = r.get("certificates");
            assertThat(c.get("topk").isBoolean()).isTrue();
            assertThat(c.get("topkOverlap").asInt()).isBetween(0, 5);
            assertThat(c.get("signStable").asDouble()).isBetween(0.0, 1.0);
            assertThat(c.get("maxDeviationLinf").asDouble()).isPositive();
            assertThat(c.get("maxDeviationL2").asDouble()).isGreaterThanOrEqualTo(c.get("maxDeviationLinf").asDouble());
            assertThat(c.get("cosineLower").asDouble()).isBetween(-1.0, 1.0);
            assertThat(c.get("prediction").isBoolean()).isTrue();
            assertThat(c.get("radius").isNull()).as("radius only on request").isTrue();
            assertThat(c.get("alphaSteps").isNull()).as("interval bounds have no relaxations to optimise").isTrue();
        }
        assertThat(root.has("alphaSteps")).isFalse();
    }

    @Test
    void theRadiusIsTheLargestCertifiedEpsilon() throws Exception {
        CliRun run = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--radius", "--device", "cpu");
        assertThat(run.code()).as(run.err()).isZero();
        for (JsonNode r : run.json().get("results")) {
            double radius = r.get("certificates").get("radius").asDouble();
            assertThat(radius).isBetween(0.0, 1.0);
            if (radius > 0) {
                CliRun at = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", Double.toString(radius), "--device", "cpu");
                assertThat(at.json().get("results").get(r.get("index").asInt()).get("certificates").get("topk").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void logProbabilityTargetsAndParameterBoxesWidenTheBounds() throws Exception {
        JsonNode plain = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.001", "--device", "cpu").json();
        JsonNode boxed = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.001", "--param-gamma", "0.01",
                "--device", "cpu").json();
        JsonNode logprob = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.001", "--target", "logprob",
                "--device", "cpu").json();
        assertThat(boxed.get("parameterGamma").asDouble()).isEqualTo(0.01);
        assertThat(logprob.get("target").asText()).isEqualTo("logprob");
        for (int s = 0; s < 3; s++) {
            assertThat(boxed.get("results").get(s).get("certificates").get("maxDeviationLinf").asDouble())
                    .isGreaterThan(plain.get("results").get(s).get("certificates").get("maxDeviationLinf").asDouble());
        }
    }

    @Test
    void linearBoundsLieInsideTheIntervalBoundsAndCertifyAtLeastAsMuch() throws Exception {
        JsonNode interval = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.005", "--method", "interval",
                "--device", "cpu").json();
        JsonNode linear = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.005", "--method", "linear",
                "--device", "cpu").json();
        assertThat(interval.get("method").asText()).isEqualTo("interval");
        assertThat(linear.get("method").asText()).isEqualTo("linear");
        double narrower = 0;
        for (int s = 0; s < 3; s++) {
            JsonNode i = interval.get("results").get(s);
            JsonNode l = linear.get("results").get(s);
            assertThat(l.get("certificates").get("method").asText()).isEqualTo("linear");
            assertThat(l.get("certificates").get("epsilon").asDouble()).isEqualTo(0.005);
            for (int f = 0; f < 64; f++) {
                double g = l.get("gradient").get(f).asDouble();
                assertThat(l.get("lower").get(f).asDouble()).isBetween(i.get("lower").get(f).asDouble() - 1e-9, g);
                assertThat(l.get("upper").get(f).asDouble()).isBetween(g, i.get("upper").get(f).asDouble() + 1e-9);
            }
            narrower += i.get("certificates").get("boundWidthMean").asDouble() / l.get("certificates").get("boundWidthMean").asDouble();
            assertThat(l.get("certificates").get("topkOverlap").asInt()).isGreaterThanOrEqualTo(i.get("certificates").get("topkOverlap").asInt());
        }
        assertThat(narrower / 3).as("mean interval width over linear width").isGreaterThan(2);
    }

    @Test
    void optimisedRelaxationsGiveBoundsInsideTheDefaultLinearBounds() throws Exception {
        String[] plain = {"certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.01", "--method", "linear", "--device", "cpu"};
        JsonNode linear = CliRun.stabilis(plain).json();
        String[] optimised = java.util.Arrays.copyOf(plain, plain.length + 2);
        optimised[plain.length] = "--alpha-steps";
        optimised[plain.length + 1] = "3";
        JsonNode alpha = CliRun.stabilis(optimised).json();
        assertThat(linear.get("alphaSteps").asInt()).as("the output names what produced its bounds").isZero();
        assertThat(alpha.get("alphaSteps").asInt()).isEqualTo(3);
        double widthLinear = 0;
        double widthAlpha = 0;
        for (int s = 0; s < 3; s++) {
            JsonNode l = linear.get("results").get(s);
            JsonNode a = alpha.get("results").get(s);
            assertThat(l.get("certificates").get("alphaSteps").asInt()).isZero();
            assertThat(a.get("certificates").get("alphaSteps").asInt()).isEqualTo(3);
            for (int f = 0; f < 64; f++) {
                assertThat(a.get("lower").get(f).asDouble()).isGreaterThanOrEqualTo(l.get("lower").get(f).asDouble() - 1e-9);
                assertThat(a.get("upper").get(f).asDouble()).isLessThanOrEqualTo(l.get("upper").get(f).asDouble() + 1e-9);
            }
            widthLinear += l.get("certificates").get("boundWidthMean").asDouble();
            widthAlpha += a.get("certificates").get("boundWidthMean").asDouble();
        }
        assertThat(widthAlpha).as("mean width with 3 optimisation steps").isLessThan(0.99 * widthLinear);
        CliRun negative = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--method", "linear", "--alpha-steps", "-1");
        assertThat(negative.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(negative.err()).contains("--alpha-steps must be >= 0, got -1");
    }

    @Test
    void smoothingCertifiesTheSmoothedAttributionOverAnL2BallReproducibly() throws Exception {
        String[] args = {"certify", "--model", DEMO, "--input", PAYLOAD, "--method", "smoothing", "--epsilon", "0.05", "--device", "cpu"};
        CliRun run = CliRun.stabilis(args);
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode root = run.json();
        assertThat(root.get("method").asText()).isEqualTo("smoothing");
        assertThat(root.get("results")).hasSize(3);
        for (JsonNode r : root.get("results")) {
            assertThat(r.get("smoothedAttribution")).hasSize(64);
            JsonNode c = r.get("certificates");
            JsonNode smoothed = c.get("smoothed");
            assertThat(c.get("method").asText()).isEqualTo("smoothing");
            assertThat(c.get("epsilon").asDouble()).isEqualTo(0.05);
            assertThat(smoothed.get("noise").asText()).isEqualTo("uniform-ball");
            assertThat(smoothed.get("samples").asInt()).isEqualTo(1000);
            assertThat(smoothed.get("topk").size()).isBetween(0, 5).isEqualTo(c.get("topkOverlap").asInt());
            assertThat(c.get("topk").asBoolean()).isEqualTo(smoothed.get("certifiedRadius").asDouble() > 0.05);
            assertThat(smoothed.get("certifiedOut").asInt()).as("certified out: every feature but the 5 when the set is certified")
                    .isBetween(0, 64 - smoothed.get("topk").size());
            if (c.get("topk").asBoolean()) {
                assertThat(smoothed.get("certifiedOut").asInt()).isEqualTo(64 - 5);
            }
            assertThat(c.get("maxDeviationLinf").isNull()).as("no gradient box for smoothing").isTrue();
            if (!c.get("cosineLower").isNull()) {
                assertThat(c.get("cosineLower").asDouble()).isBetween(-1.0, 1.0);
            }
        }
        assertThat(CliRun.stabilis(args).json().get("results")).as("seeded: the same certificates again").isEqualTo(root.get("results"));
    }

    @Test
    void splittingCutsOnlyTheBoxesWhoseTopKSetIsNotCertifiedAndSaysHowFar() {
        // at ε = 0.002 the whole box certifies the first two digits' top-5 sets and not the third's
        JsonNode whole = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--method", "interval",
                "--epsilon", "0.002").json();
        CliRun run = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--method", "interval",
                "--epsilon", "0.002", "--split", "8", "--split-budget", "1000");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode root = run.json();
        assertThat(root.get("method").asText()).isEqualTo("interval-split");
        assertThat(root.get("splitLeaves").asInt()).isEqualTo(8);
        assertThat(root.get("splitBudgetMs").asDouble()).isEqualTo(1000.0);
        assertThat(root.get("results").findValuesAsText("leaves")).containsExactly("1", "1", "8");
        for (int i = 0; i < root.get("results").size(); i++) {
            JsonNode before = whole.get("results").get(i);
            JsonNode after = root.get("results").get(i);
            assertThat(before.get("leaves").asInt()).isEqualTo(1);
            if (before.at("/certificates/topk").asBoolean()) {
                assertThat(after.get("leaves").asInt()).as("result %d: certified whole", i).isEqualTo(1);
                // the same box's bounds; without splitting three rows take the host pass, with it the tensor pass,
                // whose sums round in another order (HostIntervalPass)
                for (int f = 0; f < before.get("lower").size(); f++) {
                    double expected = before.get("lower").get(f).asDouble();
                    assertThat(after.get("lower").get(f).asDouble()).as("result %d: lower[%d]", i, f)
                            .isCloseTo(expected, within(1e-12 * Math.max(1, Math.abs(expected))));
                }
            } else if (!after.at("/certificates/topk").asBoolean()) {
                assertThat(after.get("leaves").asInt()).as("result %d: cut as far as allowed", i).isEqualTo(8);
            }
        }
    }

    @Test
    void badArgumentsGiveAClearErrorAndAUsageExitCode() {
        CliRun method = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--method", "crown");
        assertThat(method.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(method.err()).contains("--method must be interval, linear or smoothing, got 'crown'");
        CliRun negative = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "-1");
        assertThat(negative.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(negative.err()).startsWith("stabilis:").contains("epsilon");
        CliRun split = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--split", "3");
        assertThat(split.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(split.err()).contains("power of two");
        CliRun budget = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--split", "4", "--split-budget", "0");
        assertThat(budget.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(budget.err()).contains("split budget must be > 0 ms");
        CliRun k = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--k", "65");
        assertThat(k.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(k.err()).contains("exceeds the model's 64 features");
        CliRun target = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--target", "prob");
        assertThat(target.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(target.err()).contains("unknown target 'prob'");
    }

    @Test
    void torchScriptModelsGetSmoothingCertificatesUnlessGradientBoundsAreAskedFor() {
        Path traced = Path.of("..", "model-runner", "src", "test", "resources", "fixtures", "digits_mlp_relu_torchscript");
        CliRun smoothed = CliRun.stabilis("certify", "--model", traced.toString(), "--input", PAYLOAD);
        assertThat(smoothed.code()).as(smoothed.err()).isZero();
        assertThat(smoothed.json().path("method").asText()).as("the policy names no method; the model has no graph").isEqualTo("smoothing");
        CliRun bounded = CliRun.stabilis("certify", "--model", traced.toString(), "--input", PAYLOAD, "--method", "interval");
        assertThat(bounded.code()).isEqualTo(ExitCodes.BAD_MODEL);
        assertThat(bounded.err()).contains("certification and attacks need an ONNX model");
    }

    @Test
    void summarisesTheBatchAndEstimatesCurvatureOnRequest() throws Exception {
        Path softplus = Path.of("..", "model-runner", "src", "test", "resources", "fixtures", "digits_mlp_softplus");
        CliRun run = CliRun.stabilis("certify", "--model", softplus.toString(), "--input", PAYLOAD, "--epsilon", "0.001",
                "--param-gamma", "0.001", "--curvature", "--device", "cpu");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode root = run.json();
        JsonNode summary = root.get("summary");
        assertThat(summary.get("samples").asInt()).isEqualTo(3);
        long certified = 0;
        for (JsonNode r : root.get("results")) {
            certified += r.get("certificates").get("topk").asBoolean() ? 1 : 0;
            assertThat(Math.abs(r.get("curvature").asDouble())).as("softplus networks are curved").isPositive();
        }
        assertThat(summary.get("topkCertified").asLong()).isEqualTo(certified);
        CliRun relu = CliRun.stabilis("certify", "--model", DEMO, "--input", PAYLOAD, "--curvature", "--device", "cpu");
        for (JsonNode r : relu.json().get("results")) {
            assertThat(r.get("curvature").asDouble()).as("ReLU logits are piecewise linear").isZero();
        }
    }
}
