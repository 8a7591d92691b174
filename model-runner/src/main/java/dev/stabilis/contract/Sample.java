package dev.stabilis.contract;

/**
 * One sample row of a valid request: the value of a {@code stabilis.samples} record (key = model), written by the
 * ingest and read by the runner. Schema: {@code schemas/sample.schema.json}.
 *
 * @param requestId the request id: the CloudEvent id, the Seldon request id, else the payload's id, else
 *     {@code <topic>-<partition>-<offset>}
 * @param index the row's index within its request
 * @param model model name
 * @param version the resolved model version (never {@code latest} from the ingest; a record without one means the
 *     newest)
 * @param format the payload form: {@code OPEN_INFERENCE_V2}, {@code OPEN_INFERENCE_V2_PROTOBUF}, {@code KSERVE_V1}
 *     or {@code PLAIN}
 * @param features the row, flattened row-major to the model's feature count
 * @param servedClass the class the serving stack answered (a label, or the argmax of a score vector), or null when
 *     unknown (no response, the join disabled, or an output that is no class)
 * @param servedOutput the response's row for this sample, or null
 * @param receivedAt when the ingest read the request, epoch milliseconds
 * @param eventTime the CloudEvent's {@code time}, else the request record's timestamp, epoch milliseconds
 * @param endpoint the serving endpoint that answered (KServe's {@code ce_endpoint}: {@code default} or
 *     {@code canary}), or null
 * @param namespace the serving namespace (KServe's {@code ce_namespace}, Seldon's topic namespace), or null
 */
public record Sample(String requestId, int index, String model, String version, String format, float[] features,
        Integer servedClass, float[] servedOutput, long receivedAt, long eventTime, String endpoint, String namespace) {

    /** The version a sample without one asks for. */
    public static final String LATEST = "latest";

    /** The one reader: the identifying fields and a non-empty row of finite features are required. */
    public static Sample read(byte[] json) {
        Sample sample = ContractJson.read(json, Sample.class);
        ContractJson.require(sample.model(), "model");
        ContractJson.require(sample.features(), "features");
        if (sample.features().length == 0) {
            throw new ContractException("sample has an empty 'features' array");
        }
        for (int i = 0; i < sample.features().length; i++) {
            if (!Float.isFinite(sample.features()[i])) {
                throw new ContractException("feature " + i + " is not a finite number");
            }
        }
        return sample.version() == null ? sample.withVersion(LATEST) : sample;
    }

    /** The one writer. */
    public byte[] toJson() {
        return ContractJson.write(this);
    }

    private Sample withVersion(String version) {
        return new Sample(requestId, index, model, version, format, features, servedClass, servedOutput, receivedAt, eventTime,
                endpoint, namespace);
    }
}
