package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.TargetKind;

/** The target score s_c per row, from logits. */
final class Scores {

    private Scores() {}

    static NDArray of(NDArray logits, NDArray classes, TargetKind kind) {
        NDArray values = kind == TargetKind.LOGIT ? logits : logits.logSoftmax(1);
        return values.mul(classes.oneHot((int) logits.getShape().get(1), values.getDataType())).sum(new int[] {1});
    }
}
