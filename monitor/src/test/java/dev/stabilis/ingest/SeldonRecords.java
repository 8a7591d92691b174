package dev.stabilis.ingest;

import com.google.protobuf.ByteString;
import dev.stabilis.ingest.oip.OpenInferenceV2.InferTensorContents;
import dev.stabilis.ingest.oip.OpenInferenceV2.ModelInferRequest;
import dev.stabilis.ingest.oip.OpenInferenceV2.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Records as Seldon Core 2 writes them to Kafka, built from the Open Inference Protocol V2 messages generated from
 * {@code src/main/proto/open_inference_v2.proto}: a {@code ModelInferRequest} on {@code seldon.<ns>.model.<m>.inputs}
 * and a {@code ModelInferResponse} on {@code .outputs}, the request id in the {@code x-request-id} header.
 */
public final class SeldonRecords {

    private final String namespace;
    private final String model;

    public SeldonRecords(String namespace, String model) {
        this.namespace = namespace;
        this.model = model;
    }

    public String inputsTopic() {
        return "seldon." + namespace + ".model." + model + ".inputs";
    }

    public String outputsTopic() {
        return "seldon." + namespace + ".model." + model + ".outputs";
    }

    /** A request of one sample, its FP32 values in the typed contents. */
    public ProducerRecord<byte[], byte[]> request(String id, float[] features) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (float f : features) {
            contents.addFp32Contents(f);
        }
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model).setId(id)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addShape(1).addShape(features.length).setContents(contents))
                .build();
        return record(inputsTopic(), id, request.toByteArray());
    }

    /** A request of one sample, its FP32 values as raw little-endian contents (Triton and MLServer clients send these). */
    public ProducerRecord<byte[], byte[]> rawRequest(String id, float[] features) {
        ByteBuffer raw = ByteBuffer.allocate(4 * features.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : features) {
            raw.putFloat(f);
        }
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addShape(1).addShape(features.length))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build();
        return record(inputsTopic(), id, request.toByteArray());
    }

    /** The response naming the served class as an INT64 label. */
    public ProducerRecord<byte[], byte[]> response(String id, long servedClass) {
        ModelInferResponse response = ModelInferResponse.newBuilder().setModelName(model).setId(id)
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("predict").setDatatype("INT64").addShape(1)
                        .addShape(1).setContents(InferTensorContents.newBuilder().addInt64Contents(servedClass)))
                .build();
        return record(outputsTopic(), id, response.toByteArray());
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String id, byte[] value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, null, value);
        record.headers().add("x-request-id", id.getBytes(StandardCharsets.UTF_8));
        return record;
    }
}
