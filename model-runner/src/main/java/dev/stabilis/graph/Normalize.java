package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * {@code (x − mean) / sqrt(var + ε)} with mean and (biased) variance over the given axes: the core of
 * LayerNormalization (the last axes) and InstanceNormalization (the spatial axes); their scale and bias follow
 * as an {@link ElementwiseAffine}.
 *
 * @param axes the normalised axes, none of them a batch axis
 * @param epsilon ε &gt; 0
 */
public record Normalize(int[] axes, double epsilon) implements Op {

    public Normalize {
        axes = Reductions.sorted(axes);
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("normalisation needs ε > 0, got " + epsilon);
        }
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        Reductions.outputShape(inputs.get(0), axes, true);
        if (Reductions.count(inputs.get(0), axes) < 2) {
            throw new IllegalArgumentException("normalisation over fewer than 2 elements");
        }
        return inputs.get(0).clone();
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.normalize(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalize n && Arrays.equals(axes, n.axes) && Double.compare(epsilon, n.epsilon) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes) * 31 + Double.hashCode(epsilon);
    }

    @Override
    public String toString() {
        return "Normalize" + Arrays.toString(axes) + " eps=" + epsilon;
    }
}
