package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.Gradients;
import dev.stabilis.engine.TargetKind;

/** The input gradient of the target score, ∂s_c/∂x. */
public final class Saliency implements Explainer {

    @Override
    public String method() {
        return "saliency";
    }

    @Override
    public Attribution attribute(DifferentiableModel model, NDArray input, NDArray classes, TargetKind kind) {
        Gradients g = model.gradients(input, classes, kind);
        return new Attribution(g.gradient(), g.logits(), g.classes());
    }
}
