package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;

/**
 * The parts of a KServe inference-log CloudEvent the ingest needs.
 *
 * @param id the event id, shared by a request and its response
 * @param type request or response
 * @param typeName the {@code type} attribute as written
 * @param inferenceService the {@code inferenceservicename} extension (names the model), or null
 * @param time the {@code time} attribute in epoch milliseconds, or null
 * @param endpoint the {@code endpoint} extension (KServe: {@code default} or {@code canary}), or null
 * @param namespace the {@code namespace} extension (the InferenceService's namespace), or null
 * @param data reads the event data (the inference request or response body); read on demand, so that a
 *        rejection of the data still knows the event id
 */
record CloudEvent(String id, Type type, String typeName, String inferenceService, Long time, String endpoint, String namespace,
        Supplier<JsonNode> data) {

    /** The event types KServe's payload logger writes ({@code pkg/logger/worker.go}). */
    enum Type {
        REQUEST("org.kubeflow.serving.inference.request"),
        RESPONSE("org.kubeflow.serving.inference.response"),
        /** Any other type: skipped unless the allow-list admits it, then dead-lettered as unknown. */
        OTHER("");

        private final String value;

        Type(String value) {
            this.value = value;
        }

        /** The {@code type} attribute value. */
        String value() {
            return value;
        }
    }
}
