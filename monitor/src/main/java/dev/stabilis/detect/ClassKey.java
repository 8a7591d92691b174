package dev.stabilis.detect;

/** A (model, version, predicted class): the unit of baselines and of alert suppression. */
record ClassKey(String model, String version, int predictedClass) {

    static ClassKey of(dev.stabilis.contract.Explanation e) {
        return new ClassKey(e.model(), e.version(), e.predicted());
    }

    static ClassKey of(dev.stabilis.contract.Alert a) {
        return new ClassKey(a.model(), a.version(), a.predictedClass());
    }

    /** Separates the parts of state-store keys; not expected in model names or versions. */
    static final char SEPARATOR = '\u0000';

    /** The state-store key; it starts with {@link #modelPrefix(String)}. */
    String storeKey() {
        return modelPrefix(model) + version + SEPARATOR + predictedClass;
    }

    /** The prefix shared by the store keys of every class of a model. */
    static String modelPrefix(String model) {
        return model + SEPARATOR;
    }
}
