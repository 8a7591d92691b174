package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;

/** Gradient × input, x ⊙ ∂s_c/∂x. */
public final class GradientTimesInput implements Explainer {

    @Override
    public String method() {
        return "gradxinput";
    }

    @Override
    public NDArray attribute(DifferentiableModel model, NDArray input, NDArray classes, TargetKind kind) {
        return model.gradients(input, classes, kind).gradient().mul(input);
    }
}
