package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of suppression for one (kind, model, version, class): when the episode began (in event time) and ends
 * (in wall-clock time), and the alerts held back since its first alert was emitted.
 *
 * @param firstPending the first held-back alert, the template of the merged alert; null when none is held
 * @param pendingEvidence the sample ids of all held-back alerts, in arrival order
 * @param pendingFrom the earliest event time among the held-back alerts
 * @param pendingTo the latest event time among the held-back alerts
 */
record SuppressionEpisode(long start, long wallClockDeadline, Alert firstPending, List<String> pendingEvidence,
                          long pendingFrom, long pendingTo) {

    static SuppressionEpisode open(long eventTime, long wallClockDeadline) {
        return new SuppressionEpisode(eventTime, wallClockDeadline, null, List.of(), eventTime, eventTime);
    }

    boolean hasPending() {
        return firstPending != null;
    }

    SuppressionEpisode withPending(Alert alert) {
        List<String> evidence = new ArrayList<>(pendingEvidence);
        evidence.addAll(alert.evidence());
        long t = alert.startsAtMillis();
        return hasPending()
                ? new SuppressionEpisode(start, wallClockDeadline, firstPending, evidence,
                        Math.min(pendingFrom, t), Math.max(pendingTo, t))
                : new SuppressionEpisode(start, wallClockDeadline, alert, evidence, t, t);
    }

    /** The same episode with nothing held back, after its merged alert was emitted. */
    SuppressionEpisode drained() {
        return open(start, wallClockDeadline);
    }

    /**
     * One alert standing for every held-back alert: its evidence lists their sample ids and its window spans their
     * event times. Its id derives from the first held-back sample.
     */
    Alert merged() {
        return Alerts.merged(firstPending, pendingEvidence, pendingFrom, pendingTo);
    }
}
