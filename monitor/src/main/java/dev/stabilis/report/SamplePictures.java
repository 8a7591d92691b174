package dev.stabilis.report;

import dev.stabilis.certify.Certificates;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Sample;
import dev.stabilis.contract.TopFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pictures of one cited sample, from its explanation record (and its sample, for the input). Image-shaped: the
 * input, the attribution heat map, the attacked point's heat map (on the same colour scale) and the width of the
 * certified gradient interval per pixel. Tabular: the top features with their certified intervals and attacked values.
 * What the record lacks is said in a note instead of drawn.
 *
 * @param figures the pictures, left to right
 * @param notes what could not be drawn and why
 */
record SamplePictures(List<Figure> figures, List<String> notes) {

    /** How many features a tabular chart shows when the record names no top features. */
    private static final int TOP = 10;

    static SamplePictures of(Explanation e, Sample sample, ImageShapes shapes) {
        List<Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Attribution attribution = Attribution.of(e);
        Explanation.Certificate c = e.certificate();
        double[] lower = c == null ? null : c.gradientLower();
        double[] upper = c == null ? null : c.gradientUpper();
        double[] attacked = e.empirical() == null ? null : e.empirical().attackedGradient();
        int features = sample != null ? sample.features().length : attribution != null ? attribution.values().length : 0;
        ImageShapes.Shape shape = features == 0 ? null : shapes.of(e, features);
        if (attribution == null) {
            notes.add("No attribution vectors in the record: the runner leaves them out with stabilis.runner.include.attributions=false.");
        }
        if (lower == null || upper == null) {
            notes.add("No certified gradient bounds in the record (certificate.gradientLower and gradientUpper, filled by the runner).");
            lower = null;
            upper = null;
        }
        if (attacked == null) {
            notes.add("No gradient at the attack's point in the record (empirical.attackedGradient, filled by the runner"
                    + (e.empirical() == null ? "; attacks were off" : "") + ").");
        }
        if (shape != null) {
            images(e, sample, shape, attribution, lower, upper, attacked, figures, notes);
        } else if (attribution != null || e.topFeatures() != null && !e.topFeatures().isEmpty()) {
            figures.add(bars(e, attribution, lower, upper, attacked));
        }
        return new SamplePictures(List.copyOf(figures), List.copyOf(notes));
    }

    private static void images(Explanation e, Sample sample, ImageShapes.Shape shape, Attribution attribution, double[] lower,
            double[] upper, double[] attacked, List<Figure> figures, List<String> notes) {
        int h = shape.height();
        int w = shape.width();
        String where = shape.channels() > 1 ? " (summed over " + shape.channels() + " channels)" : "";
        if (sample != null) {
            double[] input = perPixel(toDoubles(sample.features()), shape, false);
            figures.add(new Figure("Input" + (shape.channels() > 1 ? " (largest over channels)" : ""), "input of " + e.sampleId(),
                    Heatmaps.grey("input", input, h, w, min(input), max(input))));
        } else {
            notes.add("No input: the sample's record was not found (give --samples, or read the samples topic).");
        }
        double limit = Heatmaps.largestMagnitude(attribution == null ? null : perPixel(attribution.values(), shape, true),
                attacked == null ? null : perPixel(attacked, shape, true));
        if (attribution != null) {
            figures.add(new Figure("Attribution: " + attribution.label() + where, attribution.label() + " of " + e.sampleId(),
                    Heatmaps.diverging(attribution.label(), perPixel(attribution.values(), shape, true), h, w, limit)));
        }
        if (attacked != null) {
            figures.add(new Figure("At the attack's point" + where + (successText(e)), "gradient at the attacked point of " + e.sampleId(),
                    Heatmaps.diverging("attacked", perPixel(attacked, shape, true), h, w, limit)));
        }
        if (lower != null) {
            double[] width = new double[lower.length];
            for (int i = 0; i < width.length; i++) {
                width[i] = upper[i] - lower[i];
            }
            double[] perPixel = perPixel(width, shape, false);
            figures.add(new Figure(String.format(java.util.Locale.ROOT, "Certified bound width at ε = %s%s", e.epsilon(),
                    shape.channels() > 1 ? " (largest over channels)" : ""), "certified gradient interval width of " + e.sampleId(),
                    Heatmaps.sequential("bound width", perPixel, h, w, max(perPixel))));
        }
    }

    private static Figure bars(Explanation e, Attribution attribution, double[] lower, double[] upper, double[] attacked) {
        List<Integer> indices = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (e.topFeatures() != null && !e.topFeatures().isEmpty()) {
            for (TopFeature t : e.topFeatures()) {
                indices.add(t.index());
                names.add(t.name());
            }
        } else {
            for (int i : Certificates.topK(attribution.values(), Math.min(TOP, attribution.values().length))) {
                indices.add(i);
                names.add(Integer.toString(i));
            }
        }
        int n = indices.size();
        double[] value = new double[n];
        double[] lo = lower == null ? null : new double[n];
        double[] hi = upper == null ? null : new double[n];
        double[] at = attacked == null ? null : new double[n];
        for (int j = 0; j < n; j++) {
            int i = indices.get(j);
            value[j] = attribution != null && i < attribution.values().length ? attribution.values()[i] : e.topFeatures().get(j).value();
            if (lo != null) {
                lo[j] = lower[i];
                hi[j] = upper[i];
            }
            if (at != null) {
                at[j] = attacked[i];
            }
        }
        String title = "Top " + n + " features of " + e.sampleId() + (lo == null ? "" : ", certified intervals at ε = " + e.epsilon());
        return new Figure(title + successText(e), "chart of the top features of " + e.sampleId(),
                FeatureCharts.certifiedIntervals(title, names, value, lo, hi, at));
    }

    private static String successText(Explanation e) {
        if (e.empirical() == null || e.empirical().success() == null) {
            return "";
        }
        return e.empirical().success() ? ": the attack changed the top-k set" : ": the attack did not change the top-k set";
    }

    /** The values to draw as the attribution: the certified gradient when the record has it, else its first method's vector. */
    private record Attribution(String label, double[] values) {
        static Attribution of(Explanation e) {
            if (e.certificate() != null && e.certificate().gradient() != null) {
                return new Attribution("gradient", e.certificate().gradient());
            }
            Map<String, float[]> vectors = e.attributions();
            if (vectors == null || vectors.isEmpty()) {
                return null;
            }
            Map.Entry<String, float[]> first = vectors.entrySet().iterator().next();
            return new Attribution(first.getKey(), toDoubles(first.getValue()));
        }
    }

    /** Per pixel of a [C, H, W] vector: the sum (signed maps) or the largest (inputs, widths) over channels. */
    private static double[] perPixel(double[] values, ImageShapes.Shape shape, boolean sum) {
        int pixels = shape.height() * shape.width();
        if (shape.channels() == 1) {
            return values;
        }
        double[] out = new double[pixels];
        for (int p = 0; p < pixels; p++) {
            double acc = sum ? 0 : Double.NEGATIVE_INFINITY;
            for (int ch = 0; ch < shape.channels(); ch++) {
                double v = values[ch * pixels + p];
                acc = sum ? acc + v : Math.max(acc, v);
            }
            out[p] = acc;
        }
        return out;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(1);
    }
}
