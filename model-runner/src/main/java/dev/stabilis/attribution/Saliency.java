package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;

/** The input gradient of the target score, ∂s_c/∂x. */
public final class Saliency implements Explainer {

    @Override
    public String method() {
        return "saliency";
    }

    @Override
    public NDArray attribute(DifferentiableModel model, NDArray input, NDArray classes, TargetKind kind) {
        return model.gradients(input, classes, kind).gradient();
    }
}
