package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.Gradients;
import dev.stabilis.engine.TargetKind;

/** Gradient × input, x ⊙ ∂s_c/∂x. */
public final class GradientTimesInput implements Explainer {

    @Override
    public String method() {
        return "gradxinput";
    }

    @Override
    public Attribution attribute(DifferentiableModel model, NDArray input, NDArray classes, TargetKind kind) {
        Gradients g = model.gradients(input, classes, kind);
        return new Attribution(g.gradient().mul(input), g.logits(), g.classes());
    }
}
