package dev.stabilis.attack;

/**
 * The strongest manipulation an attack found for one sample: the point of the box, among those where the
 * predicted class stayed, whose explanation is furthest from the sample's (fewest top-k features kept, then the
 * largest relative L2 change).
 *
 * @param method the search
 * @param predicted the class at the sample
 * @param adversarial the strongest point found (the sample itself when no step kept the class)
 * @param adversarialPredicted the class at {@code adversarial}; always {@code predicted}
 * @param attribution the explanation at the sample (the gradient of the predicted class's score)
 * @param adversarialAttribution the explanation at {@code adversarial}, of the same class's score
 * @param metrics explanation change from the sample to {@code adversarial}
 * @param success whether the top-k set changed at a point that kept the class
 * @param classKept whether any step kept the class; false means the box is too large to manipulate the
 *     explanation without changing the prediction, and nothing was found
 * @param stepsUsed steps evaluated (a sample stops once none of its top-k features remains)
 * @param largestChangeLinf the largest {@code ‖g′ − g‖∞} over every point evaluated, whatever its class; never
 *     above a sound certificate's maximum deviation
 * @param largestChangeL2 the same in L2
 */
public record AttackResult(AttackMethod method, int predicted, float[] adversarial, int adversarialPredicted,
        double[] attribution, double[] adversarialAttribution, StabilityMetrics metrics, boolean success, boolean classKept,
        int stepsUsed, double largestChangeLinf, double largestChangeL2) {}
