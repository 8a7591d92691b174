package dev.stabilis.detect;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Map;

/**
 * The certified radii of one window, summarised by DataDog's DDSketch (sketches-java) with relative accuracy
 * {@value #RELATIVE_ACCURACY}: for positive radii, the value it gives for quantile q is within 1 % of the exact
 * radius of rank ⌊q·(n−1)⌋ among the n radii (the lower median for q = ½); zero radii (not certified at any ε
 * searched) are counted exactly and give 0. Space is bounded by {@value #MAX_BINS} bins, the lowest collapsed
 * first, so the guarantee holds while the window's positive radii span less than a factor γ^2048 ≈ 10^17.
 *
 * <p>Immutable: {@link #add} returns a new sketch, as the window tally it belongs to is a value.
 *
 * <p>State-store form: {@code {"ddsketch": "<base64 of the sketch's own binary encoding>"}}. The earlier
 * hand-written form, {@code {"zeros": n, "buckets": {"i": count}}} with bucket i holding radii in
 * (γ^(i−1), γ^i] for the same γ, is still read, so that windows open across an upgrade keep their radii: a
 * bucket's radii re-enter at the value it reported for them, so their quantiles stay within about 2 %.
 */
final class RadiusSketch {

    /** The relative accuracy of every quantile. */
    static final double RELATIVE_ACCURACY = 0.01;
    private static final int MAX_BINS = 2048;
    /** γ of the earlier hand-written form, whose bucket i held radii in (γ^(i−1), γ^i]. */
    private static final double LEGACY_GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);

    private final DDSketch sketch;

    private RadiusSketch(DDSketch sketch) {
        this.sketch = sketch;
    }

    static RadiusSketch empty() {
        return new RadiusSketch(DDSketches.logarithmicCollapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS));
    }

    /** This sketch with one more radius; a radius of zero or less counts as zero. */
    RadiusSketch add(double radius) {
        DDSketch next = sketch.copy();
        next.accept(Math.max(radius, 0));
        return new RadiusSketch(next);
    }

    long count() {
        return Math.round(sketch.getCount());
    }

    /** The lower median; requires at least one radius. */
    double median() {
        return quantile(0.5);
    }

    /** The radius of rank ⌊q·(n−1)⌋, within {@link #RELATIVE_ACCURACY}; requires at least one radius. */
    double quantile(double q) {
        if (sketch.isEmpty()) {
            throw new IllegalStateException("quantile of an empty sketch");
        }
        return sketch.getValueAtQuantile(q);
    }

    @JsonProperty("ddsketch")
    String encoded() {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        try {
            sketch.encode(out, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the radius sketch", e);
        }
        return Base64.getEncoder().encodeToString(out.trimmedCopy());
    }

    /**
     * Reads either state-store form.
     *
     * @param ddsketch the current form, or null
     * @param zeros the earlier form's zero radii, or null
     * @param buckets the earlier form's counts by bucket index, or null
     */
    @JsonCreator
    static RadiusSketch read(@JsonProperty("ddsketch") String ddsketch, @JsonProperty("zeros") Long zeros,
            @JsonProperty("buckets") Map<Integer, Long> buckets) {
        if (ddsketch != null) {
            try {
                return new RadiusSketch(DDSketch.decode(ByteArrayInput.wrap(Base64.getDecoder().decode(ddsketch)),
                        () -> new CollapsingLowestDenseStore(MAX_BINS)));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("radius sketch: the ddsketch encoding is unreadable: " + e.getMessage(), e);
            }
        }
        DDSketch legacy = empty().sketch;
        if (zeros != null && zeros > 0) {
            legacy.accept(0, zeros);
        }
        if (buckets != null) {
            buckets.forEach((index, count) -> legacy.accept(2 * Math.pow(LEGACY_GAMMA, index) / (LEGACY_GAMMA + 1), count));
        }
        return new RadiusSketch(legacy);
    }
}
