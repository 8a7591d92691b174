package dev.stabilis.attribution;

/**
 * One sample's attribution.
 *
 * @param predicted argmax of the logits
 * @param target the class explained
 * @param logits the model outputs
 * @param attribution one value per input feature (flattened row-major)
 * @param completenessGap Integrated Gradients only: {@code Σ IG − (s_c(x) − s_c(x₀))}; NaN for other methods
 * @param scoreDelta Integrated Gradients only: {@code s_c(x) − s_c(x₀)}; NaN for other methods
 */
public record Explanation(int predicted, int target, float[] logits, float[] attribution, double completenessGap,
        double scoreDelta) {

    /** The completeness gap relative to the score difference, {@code |gap| / |Δs|}; NaN when not applicable. */
    public double relativeCompletenessGap() {
        return Math.abs(completenessGap) / Math.abs(scoreDelta);
    }
}
