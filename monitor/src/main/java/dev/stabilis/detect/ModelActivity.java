package dev.stabilis.detect;

/**
 * What the baselines know of a model's traffic: the largest event time seen (its watermark), when its last sample
 * arrived (wall clock), its version then, and whether its silence has been alerted.
 */
record ModelActivity(long watermark, long lastArrival, String version, boolean silent) {

    /** The watermark moved on by the wall-clock time without samples: event time goes on while nothing arrives. */
    long watermarkAt(long now) {
        return watermark + Math.max(0, now - lastArrival);
    }

    ModelActivity silenced() {
        return new ModelActivity(watermark, lastArrival, version, true);
    }
}
