package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * The matrix product of two variable tensors of rank ≥ 2 over their last two axes, leading axes broadcast (numpy
 * {@code matmul}): attention scores {@code Q Kᵀ} and their weighted values.
 */
public record MatMul() implements Op {

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] a = inputs.get(0);
        long[] b = inputs.get(1);
        if (a.length < 2 || b.length < 2) {
            throw new IllegalArgumentException("matmul of two variables needs rank ≥ 2, got " + Arrays.toString(a) + " and " + Arrays.toString(b));
        }
        long inner = a[a.length - 1];
        if (inner != b[b.length - 2] || Shapes.carriesBatch(inner)) {
            throw new IllegalArgumentException("matmul of " + Arrays.toString(a) + " and " + Arrays.toString(b));
        }
        long[] lead = Shapes.broadcast(Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2));
        long[] out = Arrays.copyOf(lead, lead.length + 2);
        out[lead.length] = a[a.length - 2];
        out[lead.length + 1] = b[b.length - 1];
        return out;
    }

    @Override
    public long multiplyAddsPerElement(List<long[]> inputs) {
        long[] a = inputs.get(0);
        return a[a.length - 1];
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.matMul(this);
    }
}
