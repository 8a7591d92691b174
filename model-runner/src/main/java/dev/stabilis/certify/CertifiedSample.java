package dev.stabilis.certify;

/**
 * One sample's certification.
 *
 * @param predicted the class at the sample (the explained class)
 * @param gradient the input gradient of the target score at the sample (float64)
 * @param lower lower gradient bound over the box
 * @param upper upper gradient bound over the box
 * @param certificate what the bounds certify
 * @param leaves the sub-boxes input splitting cut the box into (1: the box whole)
 */
public record CertifiedSample(int predicted, double[] gradient, double[] lower, double[] upper, Certificate certificate,
        int leaves) {

    /** Mean of {@code upper − lower} over features: how wide the certified gradient box is. */
    public double meanWidth() {
        double sum = 0;
        for (int i = 0; i < lower.length; i++) {
            sum += upper[i] - lower[i];
        }
        return sum / lower.length;
    }
}
