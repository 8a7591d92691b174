package dev.stabilis.attack;

import dev.stabilis.engine.TargetKind;

/**
 * How to attack. The box is {@code [x − ε, x + ε]} clipped to the domain, the box certificates use.
 *
 * @param method the search
 * @param epsilon half-width of the box, in raw feature units
 * @param k size of the top-k set
 * @param kind the differentiated score (the explanation is the gradient of the predicted class's score)
 * @param steps projected steps per restart (for noise: random points per restart)
 * @param stepSize step length in raw feature units; NaN for {@code 2.5 ε / steps}
 * @param restarts restarts; the first starts at the sample, the others at uniform points of the box
 * @param seed seed of random starts and noise (mixed with each sample's values, so a sample's result does not
 *     depend on its batch)
 * @param beta softplus β of the smooth surrogate that replaces ReLU for the second-order signal
 * @param domainMin lower end of the input domain (one value, one per feature, or empty)
 * @param domainMax upper end, like {@code domainMin}
 */
public record AttackSettings(AttackMethod method, double epsilon, int k, TargetKind kind, int steps, double stepSize,
        int restarts, long seed, float beta, double[] domainMin, double[] domainMax) {

    public AttackSettings {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (steps < 1 || restarts < 1) {
            throw new IllegalArgumentException("steps and restarts must be at least 1, got " + steps + " and " + restarts);
        }
        if (!Double.isNaN(stepSize) && !(stepSize > 0 && Double.isFinite(stepSize))) {
            throw new IllegalArgumentException("step size must be a finite number > 0, got " + stepSize);
        }
        if (!(beta > 0) || Float.isInfinite(beta)) {
            throw new IllegalArgumentException("beta must be a finite number > 0, got " + beta);
        }
    }

    /** The step length actually taken. */
    public double effectiveStepSize() {
        return Double.isNaN(stepSize) ? 2.5 * epsilon / steps : stepSize;
    }

    /** The same settings with another method (for the noise baseline of an attack). */
    public AttackSettings withMethod(AttackMethod other) {
        return new AttackSettings(other, epsilon, k, kind, steps, stepSize, restarts, seed, beta, domainMin, domainMax);
    }
}
