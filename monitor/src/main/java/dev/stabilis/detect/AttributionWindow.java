package dev.stabilis.detect;

import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.TopFeature;
import java.util.Map;
import java.util.TreeMap;

/**
 * One tumbling window of one (model, version, class) for attribution drift: the number of samples and the sum of
 * |attribution| per feature of one method, a fixed-size vector whatever the traffic, and the names of the features
 * the samples' top-k lists named.
 */
record AttributionWindow(String model, String version, int predictedClass, String classLabel, long start, long end, String method,
        long count, double[] sums, Map<Integer, String> names) {

    static AttributionWindow open(ClassKey key, String classLabel, long start, long end, String method, int features) {
        return new AttributionWindow(key.model(), key.version(), key.predictedClass(), classLabel, start, end, method, 0,
                new double[features], Map.of());
    }

    /** Whether a sample's attribution vector belongs here: the same method and length. */
    boolean fits(String sampleMethod, float[] attribution) {
        return method.equals(sampleMethod) && attribution.length == sums.length;
    }

    AttributionWindow add(float[] attribution, Explanation e) {
        double[] next = sums.clone();
        for (int i = 0; i < next.length; i++) {
            next[i] += Math.abs(attribution[i]);
        }
        Map<Integer, String> known = names;
        if (e.topFeatures() != null && !e.topFeatures().stream().allMatch(t -> names.containsKey(t.index()))) {
            known = new TreeMap<>(names);
            for (TopFeature t : e.topFeatures()) {
                if (t.index() >= 0 && t.index() < sums.length && t.name() != null) {
                    known.putIfAbsent(t.index(), t.name());
                }
            }
        }
        return new AttributionWindow(model, version, predictedClass, classLabel, start, end, method, count + 1, next, known);
    }

    /** Mean |attribution| per feature. */
    double[] means() {
        double[] out = new double[sums.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sums[i] / count;
        }
        return out;
    }

    ClassKey classKey() {
        return new ClassKey(model, version, predictedClass);
    }
}
