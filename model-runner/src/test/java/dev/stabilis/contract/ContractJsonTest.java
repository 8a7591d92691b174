package dev.stabilis.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Numbers written to a topic record read back as the same numbers, bit for bit. */
class ContractJsonTest {

    record Numbers(double[] doubles, float[] floats) {}

    @Test
    void everyFiniteDoubleAndFloatReadsBackBitForBit() {
        int n = 20_000;
        double[] doubles = new double[n];
        float[] floats = new float[n];
        double[] edges = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Math.nextDown(Double.MIN_NORMAL),
            Double.MAX_VALUE, 1e23, 9007199254740993.0, 2.0E-3, 0.1, 1.0 / 3, 4.9E-324, 1.7976931348623157E308};
        float[] floatEdges = {0f, -0f, Float.MIN_VALUE, Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL), Float.MAX_VALUE,
            1e-45f, 3.4028235e38f, 0.1f, 16777217f, 1.0f / 3};
        System.arraycopy(edges, 0, doubles, 0, edges.length);
        System.arraycopy(floatEdges, 0, floats, 0, floatEdges.length);
        SplittableRandom random = new SplittableRandom(18);
        for (int i = edges.length; i < n; i++) {
            doubles[i] = finite(Double.longBitsToDouble(random.nextLong()), random);
        }
        for (int i = floatEdges.length; i < n; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            floats[i] = Float.isFinite(f) ? f : (float) random.nextGaussian();
        }

        Numbers read = ContractJson.read(ContractJson.write(new Numbers(doubles, floats)), Numbers.class);

        for (int i = 0; i < n; i++) {
            assertThat(Double.doubleToRawLongBits(read.doubles()[i])).as("double %s", doubles[i])
                    .isEqualTo(Double.doubleToRawLongBits(doubles[i]));
            assertThat(Float.floatToRawIntBits(read.floats()[i])).as("float %s", floats[i])
                    .isEqualTo(Float.floatToRawIntBits(floats[i]));
        }
    }

    private static double finite(double d, SplittableRandom random) {
        return Double.isFinite(d) ? d : random.nextGaussian();
    }
}
