package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A permutation of axes: output axis i is input axis {@code perm[i]}.
 *
 * @param perm the permutation
 */
public record Transpose(int[] perm) implements Op {

    public Transpose {
        perm = perm.clone();
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) {
                throw new IllegalArgumentException("not a permutation: " + Arrays.toString(perm));
            }
            seen[p] = true;
        }
    }

    @Override
    public int[] perm() {
        return perm.clone();
    }

    /** The permutation that undoes this one. */
    public int[] inverse() {
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        return inverse;
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (in.length != perm.length) {
            throw new IllegalArgumentException("permutation " + Arrays.toString(perm) + " of shape " + Arrays.toString(in));
        }
        long[] out = new long[in.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = in[perm[i]];
        }
        return out;
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.transpose(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transpose t && Arrays.equals(perm, t.perm);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(perm);
    }

    @Override
    public String toString() {
        return "Transpose" + Arrays.toString(perm);
    }
}
