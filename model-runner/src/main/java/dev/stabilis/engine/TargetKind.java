package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;

/** Which scalar of the output is differentiated for a target class c. */
public enum TargetKind {
    /** The logit z_c. */
    LOGIT,
    /** The log-probability log softmax(z)_c. */
    LOG_PROBABILITY;

    /**
     * The backward seed ∂score/∂z for each row: e_c for a logit, e_c − softmax(z) for a log-probability.
     *
     * @param logits {@code [N, C]}
     * @param classes {@code [N]} int64 target classes
     */
    public NDArray seed(NDArray logits, NDArray classes) {
        int numClasses = (int) logits.getShape().get(1);
        NDArray oneHot = classes.oneHot(numClasses, logits.getDataType());
        return this == LOGIT ? oneHot : oneHot.subi(logits.softmax(1));
    }
}
