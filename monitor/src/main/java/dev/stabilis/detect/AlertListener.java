package dev.stabilis.detect;

import dev.stabilis.contract.Alert;

/**
 * Told of every alert the topology emits (kind, model, version, class, severity, evidence count, ...), for
 * metrics. Runs on the stream threads, possibly several at once: it must be thread-safe, quick, and must not
 * throw. Under exactly-once a transaction that aborts is retried, so a listener may hear an alert again after a
 * failure.
 */
@FunctionalInterface
public interface AlertListener {

    AlertListener NONE = alert -> { };

    void onAlert(Alert alert);
}
