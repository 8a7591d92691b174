package dev.stabilis.attack;

import java.util.Locale;

/** How an attack searches the box for a manipulated explanation. */
public enum AttackMethod {
    /**
     * Ghorbani et al. (2019): projected sign descent of {@code Σ_{i∈S} |g_i|} over the sample's top-k set S,
     * pushing the original top features out of the top-k.
     */
    TOPK,
    /**
     * Dombrowski et al. (2019): projected sign descent of {@code ‖g − t‖²} towards a target explanation t, the
     * runner-up class's gradient at the sample scaled to the norm of the sample's gradient.
     */
    TARGETED,
    /** Baseline: uniform random points of the box, as many as the attack's steps. */
    NOISE;

    /** The method named {@code topk}, {@code targeted} or {@code noise} (any case). */
    public static AttackMethod parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown attack method '" + name + "' (use topk, targeted or noise)", e);
        }
    }

    /** The lower-case name used in policies, the CLI and reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
