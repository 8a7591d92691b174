package dev.stabilis.harden;

import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Graph;
import java.util.Arrays;

/**
 * The input domain {@code [min_i, max_i]} of each feature and the affine map {@code x = min + (max − min) ⊙ u}
 * from the unit box onto it. Hardening trains and measures in unit coordinates u, so one ε is the same fraction
 * of every feature's range (raw breast-cancer features span 0.001 to 4000), and gradients there are the raw
 * gradients times each feature's range.
 *
 * @param min lower end per feature
 * @param max upper end per feature
 */
public record UnitScaling(double[] min, double[] max) {

    public UnitScaling {
        if (min.length != max.length || min.length == 0) {
            throw new IllegalArgumentException("domain needs one min and one max per feature");
        }
        for (int i = 0; i < min.length; i++) {
            if (!(min[i] < max[i])) {
                throw new IllegalArgumentException("domain of feature " + i + " is empty or a single point: [" + min[i] + ", "
                        + max[i] + "]; give the domain as LO:HI");
            }
        }
        min = min.clone();
        max = max.clone();
    }

    /**
     * The domain named by {@code spec}: {@code data} for each feature's minimum and maximum over the data set,
     * or {@code LO:HI} for one range shared by every feature.
     */
    public static UnitScaling parse(String spec, Dataset data) {
        int n = data.featureCount();
        if (spec.equals("data")) {
            double[] lo = new double[n];
            double[] hi = new double[n];
            Arrays.fill(lo, Double.POSITIVE_INFINITY);
            Arrays.fill(hi, Double.NEGATIVE_INFINITY);
            for (float[] row : data.features()) {
                for (int i = 0; i < n; i++) {
                    lo[i] = Math.min(lo[i], row[i]);
                    hi[i] = Math.max(hi[i], row[i]);
                }
            }
            return new UnitScaling(lo, hi);
        }
        String[] ends = spec.split(":");
        if (ends.length != 2) {
            throw new IllegalArgumentException("domain '" + spec + "' is neither 'data' nor LO:HI");
        }
        double[] lo = new double[n];
        double[] hi = new double[n];
        try {
            Arrays.fill(lo, Double.parseDouble(ends[0]));
            Arrays.fill(hi, Double.parseDouble(ends[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("domain '" + spec + "' is neither 'data' nor LO:HI", e);
        }
        for (float[] row : data.features()) {
            for (int i = 0; i < n; i++) {
                if (row[i] < lo[i] || row[i] > hi[i]) {
                    throw new IllegalArgumentException("a row has feature " + i + " = " + row[i] + " outside the domain " + spec);
                }
            }
        }
        return new UnitScaling(lo, hi);
    }

    @Override
    public double[] min() {
        return min.clone();
    }

    @Override
    public double[] max() {
        return max.clone();
    }

    /** Number of features. */
    public int features() {
        return min.length;
    }

    /** Whether every feature has the same range. */
    public boolean shared() {
        for (int i = 1; i < min.length; i++) {
            if (min[i] != min[0] || max[i] != max[0]) {
                return false;
            }
        }
        return true;
    }

    /** The range of feature i. */
    public double range(int i) {
        return max[i] - min[i];
    }

    /** The network on unit coordinates: the map onto the domain, then the network. */
    public Graph onUnitBox(Graph graph) {
        double[] range = new double[min.length];
        Arrays.setAll(range, this::range);
        long[] shape = {min.length};
        return graph.prepend("unit", new ElementwiseAffine(new HostTensor(shape, range), new HostTensor(shape, min)));
    }

    /** The inverse of {@link #onUnitBox}: the network on raw features. */
    public Graph onDomain(Graph unitGraph) {
        return unitGraph.withoutFirst();
    }

    /** Rows in unit coordinates {@code (x − min) / (max − min)}. */
    public float[][] toUnit(float[][] rows) {
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = new float[rows[r].length];
            for (int i = 0; i < out[r].length; i++) {
                out[r][i] = (float) ((rows[r][i] - min[i]) / range(i));
            }
        }
        return out;
    }

    /** The data set in unit coordinates. */
    public Dataset toUnit(Dataset data) {
        return new Dataset(toUnit(data.features()), data.labels(), data.classNames());
    }
}
