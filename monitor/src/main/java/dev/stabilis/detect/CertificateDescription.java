package dev.stabilis.detect;

import dev.stabilis.contract.Explanation;
import java.util.Locale;

/**
 * The words alerts use for the certificate a sample was judged by, from what its record says produced it: gradient
 * bounds over an L∞ box of half-width ε (interval, or linear with its α steps, split or not), or a smoothing
 * certificate of the smoothed attribution over an ℓ2 ball (its radius, noise, draws and α). A record's own
 * {@code epsilon} is the policy's box and says nothing about a smoothing certificate's radius, so only the
 * certificate's fields are used.
 */
final class CertificateDescription {

    private CertificateDescription() {}

    /**
     * For example {@code linear bounds (2 alpha steps) over the L∞ box of epsilon 0.001} or {@code a smoothing
     * certificate within l2 radius 0.01 (uniform-ball noise of scale 1, n = 200, alpha = 0.001)}; {@code no certificate}
     * without one.
     *
     * @param recordEpsilon the record's ε, used only for older records whose certificate does not carry its own
     */
    static String of(Explanation.Certificate c, Double recordEpsilon) {
        if (c == null) {
            return "no certificate";
        }
        Double epsilon = c.epsilon() != null ? c.epsilon() : recordEpsilon;
        Explanation.Smoothed s = c.smoothed();
        if (s != null) {
            return String.format(Locale.ROOT, "a %s certificate within l2 radius %s (%s noise of scale %s, n = %d, alpha = %s)",
                    c.method(), epsilon, s.noise(), s.scale(), s.samples(), s.alpha());
        }
        String alpha = c.alphaSteps() == null || c.alphaSteps() == 0 ? ""
                : " (" + c.alphaSteps() + " alpha step" + (c.alphaSteps() == 1 ? "" : "s") + ")";
        return String.format(Locale.ROOT, "%s bounds%s over the L∞ box of epsilon %s", c.method(), alpha, epsilon);
    }
}
