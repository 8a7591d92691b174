package dev.stabilis.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.stabilis.contract.JsonSerde;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The window's radius sketch: quantiles within the documented relative accuracy of the exact ones, and a
 * state-store form that round-trips and still reads the earlier hand-written form.
 */
class RadiusSketchTest {

    private static final JsonSerde<WindowTally> STORE_SERDE = new JsonSerde<>(WindowTally.class);
    private static final double[] QUANTILES = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1};

    @ParameterizedTest(name = "{0} radii, log10 range [{1}, {2}], {3} zero, seed {4}")
    @CsvSource({
        "1, -3, 0, 0, 1",
        "2, -3, 0, 0, 2",
        "7, -6, 1, 0.3, 3",
        "100, -2, -1, 0, 4",
        "1000, -8, 2, 0.1, 5",
        "5001, -4, 0, 0.6, 6",
        "20000, -12, 3, 0.02, 7"})
    void everyQuantileIsWithinOnePercentOfTheExactRadiusOfItsRank(int n, double minLog10, double maxLog10, double zeroShare, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] radii = new double[n];
        RadiusSketch sketch = RadiusSketch.empty();
        for (int i = 0; i < n; i++) {
            radii[i] = random.nextDouble() < zeroShare ? 0 : Math.pow(10, minLog10 + (maxLog10 - minLog10) * random.nextDouble());
            sketch = sketch.add(radii[i]);
        }
        Arrays.sort(radii);

        assertThat(sketch.count()).isEqualTo(n);
        for (double q : QUANTILES) {
            double exact = radii[(int) Math.floor(q * (n - 1))];
            assertThat(sketch.quantile(q)).as("quantile %s", q)
                    .isCloseTo(exact, within(RadiusSketch.RELATIVE_ACCURACY * exact));
        }
        assertThat(sketch.median()).isEqualTo(sketch.quantile(0.5));
    }

    @Test
    void negativeRadiiCountAsZeroAndAnEmptySketchHasNoMedian() {
        RadiusSketch sketch = RadiusSketch.empty().add(-1).add(0).add(2.0);

        assertThat(sketch.count()).isEqualTo(3);
        assertThat(sketch.median()).isZero();
        assertThatThrownBy(() -> RadiusSketch.empty().median()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theWindowTallyRoundTripsThroughTheStateStoreWithTheSketchEncoded() {
        RadiusSketch radii = RadiusSketch.empty();
        for (double r : new double[] {0, 0.05, 0.2, 0.21, 0.5, 1.3, 4.0}) {
            radii = radii.add(r);
        }
        WindowTally tally = tally(radii);

        byte[] stored = STORE_SERDE.serializer().serialize("store", tally);
        WindowTally read = STORE_SERDE.deserializer().deserialize("store", stored);

        assertThat(new String(stored, StandardCharsets.UTF_8)).contains("\"radii\":{\"ddsketch\":\"").doesNotContain("buckets");
        assertThat(read.radii().count()).isEqualTo(7);
        for (double q : QUANTILES) {
            assertThat(read.radii().quantile(q)).isEqualTo(radii.quantile(q));
        }
    }

    /**
     * A window tally as the hand-written sketch stored it before DDSketch, for the radii 0, 0.05, 0.2, 0.21, 0.5,
     * 1.3 and 4.0 (bucket i = ⌈log r / log γ⌉, γ = 1.01/0.99): its median, 0.21, reads back within 2 %.
     */
    @Test
    void aTallyStoredInTheEarlierFormKeepsItsRadiiAndIsRewrittenInTheNewForm() {
        String earlier = "{\"model\":\"digits\",\"version\":\"2\",\"predictedClass\":3,\"classLabel\":\"3\",\"start\":0,\"end\":60000,"
                + "\"certifiable\":7,\"certified\":5,\"radii\":{\"zeros\":1,\"buckets\":{\"-149\":1,\"-80\":1,\"-78\":1,\"-34\":1,"
                + "\"14\":1,\"70\":1}},\"attacked\":0,\"attackSucceeded\":0,\"joined\":0,\"mismatched\":0,\"epsilon\":0.05,"
                + "\"certificateMethod\":\"ibp\"}";

        WindowTally read = STORE_SERDE.deserializer().deserialize("store", earlier.getBytes(StandardCharsets.UTF_8));

        assertThat(read.radii().count()).isEqualTo(7);
        assertThat(read.radii().median()).isCloseTo(0.21, within(2 * RadiusSketch.RELATIVE_ACCURACY * 0.21));
        assertThat(read.radii().quantile(0)).isZero();
        assertThat(read.radii().quantile(1)).isCloseTo(4.0, within(2 * RadiusSketch.RELATIVE_ACCURACY * 4.0));
        WindowTally next = tally(read.radii().add(0.3));
        assertThat(next.radii().count()).isEqualTo(8);
        assertThat(new String(STORE_SERDE.serializer().serialize("store", next), StandardCharsets.UTF_8))
                .contains("ddsketch").doesNotContain("buckets");
    }

    @Test
    void anUnreadableSketchFailsTheStoreReadNamingTheSketch() {
        String broken = "{\"model\":\"digits\",\"version\":\"2\",\"predictedClass\":3,\"start\":0,\"end\":1,"
                + "\"radii\":{\"ddsketch\":\"AAECAwQ=\"}}";

        assertThatThrownBy(() -> STORE_SERDE.deserializer().deserialize("store", broken.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("radius sketch");
    }

    private static WindowTally tally(RadiusSketch radii) {
        return new WindowTally("digits", "2", 3, "3", 0, 60_000, 7, 5, radii, 0, 0, 0, 0, 0.05, "ibp");
    }
}
