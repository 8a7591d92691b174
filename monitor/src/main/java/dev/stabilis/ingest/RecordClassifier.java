package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies one consumed record as a valid request, a response, or a rejection, from its headers and bytes.
 *
 * <p>A record with CloudEvents headers (or a structured CloudEvent) is a request or a response by its
 * {@code type}; other records are responses when the body holds {@code outputs} or {@code predictions} and no
 * request fields, else requests. A request names its model by the CloudEvent's {@code inferenceservicename},
 * else the body ({@code model_name} / {@code model}), else a {@code model} header; its version by the body
 * ({@code model_version} / {@code version}), else a {@code model-version} header, else the latest. Its id is the
 * CloudEvent id, else the body's {@code id}, else {@code <topic>-<partition>-<offset>}.
 *
 * <p>Limits come first: headers over the header limit and values over the payload limit are
 * {@link RejectReason#TOO_LARGE}; an id longer than {@value #MAX_ID_CHARS} characters is
 * {@link RejectReason#INVALID_ATTRIBUTE} (the id keys the join and is copied into every sample).
 *
 * <p>A request with a value outside the input domain of the model's policy is {@link RejectReason#OUT_OF_DOMAIN}
 * as a whole: the runner could not search its box.
 *
 * <p>Never throws: an unexpected failure is a rejection with reason {@link RejectReason#INTERNAL}.
 */
final class RecordClassifier {

    private static final Logger LOG = LoggerFactory.getLogger(RecordClassifier.class);

    /** The longest request id accepted. */
    static final int MAX_ID_CHARS = 256;

    private final PayloadJson json;
    private final CloudEventReader cloudEvents;
    private final OpenInferenceProtobuf protobuf;
    private final PayloadParser requests;
    private final ResponseParser responses = new ResponseParser();
    private final ModelCatalog catalog;
    private final IngestFilters filters;
    private final int maxHeaderBytes;

    RecordClassifier(ModelCatalog catalog, int maxPayloadBytes, int maxHeaderBytes) {
        this(catalog, IngestFilters.defaults(), maxPayloadBytes, maxHeaderBytes);
    }

    RecordClassifier(ModelCatalog catalog, IngestFilters filters, int maxPayloadBytes, int maxHeaderBytes) {
        this.catalog = catalog;
        this.filters = filters;
        this.maxHeaderBytes = maxHeaderBytes;
        this.json = new PayloadJson(maxPayloadBytes);
        this.cloudEvents = new CloudEventReader(json);
        this.protobuf = new OpenInferenceProtobuf(maxPayloadBytes);
        this.requests = new PayloadParser(maxPayloadBytes);
    }

    /**
     * @param receivedAt the current time, epoch milliseconds
     */
    IngestEvent classify(SourceRecord record, long receivedAt) {
        String id = null;
        try {
            int headerBytes = record.headerBytes();
            if (headerBytes > maxHeaderBytes) {
                throw new PayloadException(RejectReason.TOO_LARGE, "headers have " + headerBytes + " bytes in "
                        + record.headers().size() + " headers, the limit is " + maxHeaderBytes
                        + " (the dead letter leaves them out)");
            }
            if (filters.seldon().matches(record.topic())) {
                id = checkedId(record.headerText(SeldonTopics.REQUEST_ID_HEADER));
                return seldon(SeldonTopics.parse(record.topic()), id, record, receivedAt);
            }
            Optional<CloudEvent> event = cloudEvents.read(record);
            if (event.isPresent()) {
                CloudEvent e = event.get();
                if (!filters.reads(e.typeName())) {
                    return Skipped.OTHER_EVENT_TYPE;
                }
                if (e.inferenceService() != null && !filters.judges(e.inferenceService())) {
                    return Skipped.OTHER_MODEL;
                }
                id = checkedId(e.id());
                if (e.type() == CloudEvent.Type.OTHER) {
                    throw new PayloadException(RejectReason.UNKNOWN_EVENT_TYPE, "event type '" + e.typeName() + "' is neither "
                            + CloudEvent.Type.REQUEST.value() + " nor " + CloudEvent.Type.RESPONSE.value());
                }
                return e.type() == CloudEvent.Type.RESPONSE
                        ? response(id, e.time(), e.data().get(), record)
                        : request(id, e, e.data().get(), record, receivedAt);
            }
            if (record.value() == null) {
                throw new PayloadException(RejectReason.EMPTY, "the record has no value");
            }
            JsonNode body = json.readObject(record.value());
            id = checkedId(PayloadJson.text(body, "id"));
            return ResponseParser.isResponse(body)
                    ? response(id, null, body, record)
                    : request(id, null, body, record, receivedAt);
        } catch (PayloadException e) {
            return new Rejection(id, e.reason(), e.getMessage(), record);
        } catch (RuntimeException e) {
            LOG.warn("Unexpected failure on record {}-{}@{}", record.topic(), record.partition(), record.offset(), e);
            return new Rejection(id, RejectReason.INTERNAL, e.toString(), record);
        }
    }

    /**
     * @param event the CloudEvent it came in, or null
     */
    private IngestEvent request(String eventId, CloudEvent event, JsonNode body, SourceRecord record, long receivedAt) {
        InferencePayload payload = requests.parse(body);
        String model = firstOf(event == null ? null : event.inferenceService(), payload.model(), record.headerText("model"));
        if (model != null && !filters.judges(model)) {
            return Skipped.OTHER_MODEL;
        }
        String endpoint = event == null ? null : event.endpoint();
        String version = firstOf(payload.version(), filters.version(model, endpoint), record.headerText("model-version"));
        ModelInput input = catalog.resolve(model, version);
        requireFitting(payload, input);
        String id = firstOf(eventId, checkedId(payload.id()), record.topic() + "-" + record.partition() + "-" + record.offset());
        return new ValidRequest(id, input.model(), input.version(), payload.format().name(), payload.rows(), receivedAt,
                event != null && event.time() != null ? event.time() : record.timestamp(),
                endpoint, event == null ? null : event.namespace());
    }

    /** A record of a Seldon Core 2 model topic: protobuf, the model and namespace from the topic name. */
    private IngestEvent seldon(SeldonTopics.Topic topic, String headerId, SourceRecord record, long receivedAt) {
        if (!filters.judges(topic.model())) {
            return Skipped.OTHER_MODEL;
        }
        if (topic.outputs()) {
            return response(headerId, null, protobuf.response(record.value()), record);
        }
        InferencePayload payload = protobuf.request(record.value());
        ModelInput input = catalog.resolve(topic.model(), firstOf(payload.version(), record.headerText("model-version")));
        requireFitting(payload, input);
        String id = firstOf(headerId, checkedId(payload.id()), record.topic() + "-" + record.partition() + "-" + record.offset());
        return new ValidRequest(id, input.model(), input.version(), payload.format().name(), payload.rows(), receivedAt,
                record.timestamp(), null, topic.namespace());
    }

    /**
     * Rejects a request that does not fit the model: rows of another size, values that are no token ids for a model that
     * takes them, a row outside the input domain (for a token model the domain is its embedding's, which the runner checks).
     */
    private static void requireFitting(InferencePayload payload, ModelInput input) {
        payload.requireFeatures(input.features());
        if (input.takesTokenIds()) {
            payload.requireTokenIds(input);
        } else {
            requireInsideDomain(input, payload.rows());
        }
    }

    /** Rejects a request with a row outside the model's input domain, naming the row, the feature and the value. */
    private static void requireInsideDomain(ModelInput input, List<float[]> rows) {
        for (int r = 0; r < rows.size(); r++) {
            String outside = input.policy().outsideDomain(rows.get(r));
            if (outside != null) {
                throw new PayloadException(RejectReason.OUT_OF_DOMAIN, (rows.size() > 1 ? "row " + r + ": " : "") + outside
                        + " of model " + input.model() + " version " + input.version());
            }
        }
    }

    /** @param eventTime the CloudEvent's {@code time}, or null for the record timestamp */
    private ServedResponse response(String id, Long eventTime, JsonNode body, SourceRecord record) {
        return response(id, eventTime, responses.parse(body), record);
    }

    private ServedResponse response(String id, Long eventTime, List<float[]> rows, SourceRecord record) {
        if (id == null || id.isEmpty()) {
            throw new PayloadException(RejectReason.MISSING_ATTRIBUTE, "a response without an id cannot be joined to its request");
        }
        return new ServedResponse(id, rows, eventTime != null ? eventTime : record.timestamp(), record);
    }

    private static String checkedId(String id) {
        if (id != null && id.length() > MAX_ID_CHARS) {
            throw new PayloadException(RejectReason.INVALID_ATTRIBUTE, "the id has " + id.length()
                    + " characters, the limit is " + MAX_ID_CHARS);
        }
        return id;
    }

    private static String firstOf(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate;
            }
        }
        return null;
    }
}
