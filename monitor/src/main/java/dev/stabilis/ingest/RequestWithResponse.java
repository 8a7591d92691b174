package dev.stabilis.ingest;

import dev.stabilis.contract.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of joining requests with responses by id; either side may be missing (a request whose response
 * never came, or a response whose request never came).
 */
record RequestWithResponse(ValidRequest request, ServedResponse response) {

    /** One sample per request row, with the served output when the response has one row per request row. */
    List<Sample> samples() {
        if (request == null) {
            return List.of();
        }
        List<float[]> served = rowsMatch() ? response.rows() : null;
        List<Sample> samples = new ArrayList<>(request.rows().size());
        for (int i = 0; i < request.rows().size(); i++) {
            float[] output = served == null ? null : served.get(i);
            samples.add(new Sample(request.id(), i, request.model(), request.version(), request.format(),
                    request.rows().get(i), servedClass(output), output, request.receivedAt(), request.eventTime(),
                    request.endpoint(), request.namespace()));
        }
        return samples;
    }

    /**
     * The class a served output row names: a one-element row holding an integer is a label; a longer row is a
     * score vector and names its argmax (the first of ties); anything else names none.
     */
    static Integer servedClass(float[] output) {
        if (output == null || output.length == 0) {
            return null;
        }
        if (output.length == 1) {
            float label = output[0];
            return label == Math.rint(label) && Math.abs(label) <= Integer.MAX_VALUE ? (int) label : null;
        }
        int best = 0;
        for (int i = 1; i < output.length; i++) {
            if (output[i] > output[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The response's rejection: it met no request, or its rows do not pair up with the request's. */
    Optional<Rejection> responseRejection() {
        if (response == null) {
            return Optional.empty();
        }
        if (request == null) {
            return Optional.of(new Rejection(response.id(), RejectReason.UNMATCHED_RESPONSE, "no valid request with id '"
                    + response.id() + "' arrived within the join window (it was missing or rejected)", response.source()));
        }
        if (!rowsMatch()) {
            return Optional.of(new Rejection(response.id(), RejectReason.SHAPE_MISMATCH, "the response holds "
                    + response.rows().size() + " predictions, its request " + request.rows().size()
                    + " samples; the samples were emitted without served output", response.source()));
        }
        return Optional.empty();
    }

    private boolean rowsMatch() {
        return response != null && request != null && response.rows().size() == request.rows().size();
    }
}
