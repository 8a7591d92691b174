package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Graph;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ReLU interval rule on centre–radius boxes, case by case: a pre-activation box above 0 passes value and adjoint
 * through exactly, one at or below 0 gives exactly 0, one across 0 (an end exactly at 0 included, where ReLU′(0) = 0)
 * gives the hull with 0, rounded outward by no more than a few ulp; and it does so in a few native calls per box.
 */
class ReluRuleTest {

    /** Pre-activation boxes (centre, radius): above 0, lower end exactly 0, across 0, upper end exactly 0, below 0. */
    private static final double[] Z_C = {2, 1, 0, -1, -3};
    private static final double[] Z_R = {1, 1, 1, 1, 1};

    @Test
    void reluOfABoxIsTheBoxAbove0AndTheHullWith0Across0() {
        try (Rule relu = new Rule(); NDManager m = relu.batch()) {
            Interval z = box(m, Z_C, Z_R, 4);
            Interval y = relu.rule.forward(new Interval[] {z}, 1, 0);
            double[] c = y.c().toDoubleArray();
            double[] r = y.r().toDoubleArray();

            assertThat(new double[] {c[0], r[0]}).as("[1, 3]: unchanged, exact").containsExactly(2, 1);
            assertEncloses(c[1], r[1], 0, 2, "[0, 2]");
            assertEncloses(c[2], r[2], 0, 1, "[-1, 1] -> [0, 1]");
            assertThat(new double[] {c[3], r[3], c[4], r[4]}).as("[-2, 0] and [-4, -2]: exactly 0").containsOnly(0.0);
        }
    }

    @Test
    void theAdjointPassesWhereActiveVanishesWhereDeadAndJoins0WhereUnstable() {
        try (Rule relu = new Rule(); NDManager m = relu.batch()) {
            Interval z = box(m, Z_C, Z_R, 4);
            Interval a = box(m, new double[] {3, 3, -3, 3, 3}, new double[] {1, 1, 1, 1, 1}, 4); // [2, 4], [-4, -2]
            Interval g = relu.rule.backward(a, new Interval[] {z}, null, 0)[0];
            double[] c = g.c().toDoubleArray();
            double[] r = g.r().toDoubleArray();

            assertThat(new double[] {c[0], r[0]}).as("active: the adjoint, exact").containsExactly(3, 1);
            assertEncloses(c[1], r[1], 0, 4, "lower end at 0, ReLU′ ∈ [0, 1]: [2, 4] joined with 0");
            assertEncloses(c[2], r[2], -4, 0, "across 0: [-4, -2] joined with 0");
            assertThat(new double[] {c[3], r[3], c[4], r[4]}).as("dead: exactly 0").containsOnly(0.0);
            assertThat(g.bound()).as("a proven adjoint bound carries over").isFinite();
        }
    }

    @Test
    void anUnboundedAdjointStaysUnboundedWhereUnstableAndVanishesWhereDead() {
        try (Rule relu = new Rule(); NDManager m = relu.batch()) {
            Interval z = box(m, Z_C, Z_R, Double.POSITIVE_INFINITY);
            double inf = Double.POSITIVE_INFINITY;
            Interval a = new Interval(m.create(new double[] {0, 0, 0, 0, 0}), m.create(new double[] {inf, inf, inf, inf, inf}));
            Interval g = relu.rule.backward(a, new Interval[] {z}, null, 0)[0];

            assertThat(g.r().toDoubleArray()).containsExactly(inf, inf, inf, 0, 0);
            assertThat(g.c().toDoubleArray()).containsExactly(0, 0, 0, 0, 0);
        }
    }

    /** Each native call costs ~5–10 µs at batch 1 (BENCHMARKS.md, issue 18): the rule makes few arrays per box. */
    @Test
    void aReluBoxTakesAFewNativeCallsEachWay() {
        try (Rule relu = new Rule(); NDManager m = relu.batch()) {
            Interval z = box(m, Z_C, Z_R, 4);
            Interval a = box(m, new double[] {3, 3, -3, 3, 3}, new double[] {1, 1, 1, 1, 1}, 4);
            int before = m.getManagedArrays().size();
            relu.rule.forward(new Interval[] {z}, 1, 0);
            int forward = m.getManagedArrays().size() - before;
            relu.rule.backward(a, new Interval[] {z}, null, 0);
            int backward = m.getManagedArrays().size() - before - forward;

            assertThat(forward).as("arrays made forward").isLessThanOrEqualTo(7);
            assertThat(backward).as("arrays made backward").isLessThanOrEqualTo(17);
        }
    }

    private static void assertEncloses(double c, double r, double lo, double hi, String what) {
        assertThat(c - r).as("%s: lower end", what).isLessThanOrEqualTo(lo).isGreaterThan(lo - 1e-14 * (hi - lo));
        assertThat(c + r).as("%s: upper end", what).isGreaterThanOrEqualTo(hi).isLessThan(hi + 1e-14 * (hi - lo));
    }

    private static Interval box(NDManager m, double[] c, double[] r, double bound) {
        return new Interval(m.create(c), m.create(r), bound);
    }

    /** The interval rule of a one-node ReLU graph on 5 features, and its model. */
    private static final class Rule implements AutoCloseable {
        final GraphModel model = GraphModel.load(Graph.chain(new long[] {5}, List.of(Activation.of(Activation.Kind.RELU))),
                Device.cpu(), DataType.FLOAT64);
        final IntervalRule rule = IntervalRules.of(model)[0];

        NDManager batch() {
            return model.manager().newSubManager();
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
