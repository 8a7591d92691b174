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
    private final PayloadParser requests;
    private final ResponseParser responses = new ResponseParser();
    private final ModelCatalog catalog;
    private final int maxHeaderBytes;

    RecordClassifier(ModelCatalog catalog, int maxPayloadBytes, int maxHeaderBytes) {
        this.catalog = catalog;
        this.maxHeaderBytes = maxHeaderBytes;
        this.json = new PayloadJson(maxPayloadBytes);
        this.cloudEvents = new CloudEventReader(json);
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
            Optional<CloudEvent> event = cloudEvents.read(record);
            if (event.isPresent()) {
                CloudEvent e = event.get();
                id = checkedId(e.id());
                return e.type() == CloudEvent.Type.RESPONSE
                        ? response(id, e.data().get(), record)
                        : request(id, e.inferenceService(), e.time(), e.data().get(), record, receivedAt);
            }
            if (record.value() == null) {
                throw new PayloadException(RejectReason.EMPTY, "the record has no value");
            }
            JsonNode body = json.readObject(record.value());
            id = checkedId(PayloadJson.text(body, "id"));
            return ResponseParser.isResponse(body)
                    ? response(id, body, record)
                    : request(id, null, null, body, record, receivedAt);
        } catch (PayloadException e) {
            return new Rejection(id, e.reason(), e.getMessage(), record);
        } catch (RuntimeException e) {
            LOG.warn("Unexpected failure on record {}-{}@{}", record.topic(), record.partition(), record.offset(), e);
            return new Rejection(id, RejectReason.INTERNAL, e.toString(), record);
        }
    }

    private ValidRequest request(String eventId, String service, Long time, JsonNode body, SourceRecord record,
            long receivedAt) {
        InferencePayload payload = requests.parse(body);
        String model = firstOf(service, payload.model(), record.headerText("model"));
        String version = firstOf(payload.version(), record.headerText("model-version"));
        ModelInput input = catalog.resolve(model, version);
        payload.requireFeatures(input.features());
        requireInsideDomain(input, payload.rows());
        String id = firstOf(eventId, checkedId(payload.id()), record.topic() + "-" + record.partition() + "-" + record.offset());
        return new ValidRequest(id, input.model(), input.version(), payload.format().name(), payload.rows(), receivedAt,
                time != null ? time : record.timestamp());
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

    private ServedResponse response(String id, JsonNode body, SourceRecord record) {
        List<float[]> rows = responses.parse(body);
        if (id == null || id.isEmpty()) {
            throw new PayloadException(RejectReason.MISSING_ATTRIBUTE, "a response without an id cannot be joined to its request");
        }
        return new ServedResponse(id, rows, record);
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
