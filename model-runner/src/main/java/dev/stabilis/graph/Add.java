package dev.stabilis.graph;

import java.util.List;

/** The sum of two variable tensors with numpy broadcasting (residual connections). Affine: intervals add exactly. */
public record Add() implements Op {

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        return Shapes.broadcast(inputs.get(0), inputs.get(1));
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.add(this);
    }
}
