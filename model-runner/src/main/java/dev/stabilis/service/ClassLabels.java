package dev.stabilis.service;

import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the {@code class} label of per-class meters says (the runner's per-sample meters; the monitor's window and
 * drift gauges and its alert counter), so that a model with many classes does not multiply its series:
 * {@code all} (the predicted class), {@code none} (no class label) or {@code first:N} (the first N classes a
 * process sees of each model keep their label, later ones share {@code class="other"}; which classes those are
 * depends on the order they arrive, so replicas may differ). Counters of classes that share a label add up; a
 * gauge they share shows the value set last by any of them.
 */
public final class ClassLabels {

    /** The label of the classes beyond the cap. */
    public static final String OTHER = "other";

    private final int cap;
    private final Map<String, Set<String>> labelled = new ConcurrentHashMap<>();

    private ClassLabels(int cap) {
        this.cap = cap;
    }

    /** Every class keeps its label. */
    public static ClassLabels all() {
        return new ClassLabels(Integer.MAX_VALUE);
    }

    /**
     * Reads {@code all}, {@code none} or {@code first:N} (N at least 1).
     *
     * @throws IllegalArgumentException saying what is accepted
     */
    public static ClassLabels parse(String value) {
        if (value.equals("all")) {
            return all();
        }
        if (value.equals("none")) {
            return new ClassLabels(0);
        }
        if (value.startsWith("first:")) {
            try {
                int cap = Integer.parseInt(value.substring("first:".length()));
                if (cap >= 1) {
                    return new ClassLabels(cap);
                }
            } catch (NumberFormatException e) {
                // refused below
            }
        }
        throw new IllegalArgumentException("must be all, none or first:N with N >= 1, got '" + value + "'");
    }

    /** Whether the meters carry a class label at all. */
    public boolean labelled() {
        return cap > 0;
    }

    /** The {@code class} tag of a model's predicted class: none when the label is dropped, else {@link #of}. */
    public Tags tags(String model, int predictedClass) {
        return labelled() ? Tags.of("class", of(model, predictedClass)) : Tags.empty();
    }

    /** The label of a model's predicted class: the class itself, or {@link #OTHER} beyond the cap. */
    public String of(String model, int predictedClass) {
        String label = Integer.toString(predictedClass);
        if (cap == Integer.MAX_VALUE) {
            return label;
        }
        Set<String> seen = labelled.computeIfAbsent(model, m -> ConcurrentHashMap.newKeySet());
        if (seen.contains(label)) {
            return label;
        }
        synchronized (seen) {
            if (seen.contains(label) || seen.size() < cap) {
                seen.add(label);
                return label;
            }
        }
        return OTHER;
    }
}
