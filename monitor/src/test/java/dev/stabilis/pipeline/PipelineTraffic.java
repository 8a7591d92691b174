package dev.stabilis.pipeline;

import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.KServeRecords;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A fixed set of KServe-logged requests with known ids and their expected fate: stable samples (one explanation,
 * no alert), injected unstable samples (one explanation, named by exactly one alert) and malformed requests (one
 * dead letter with a known reason). Requests are in send order, each with its logged response where it has one.
 *
 * @param requests every request in send order
 * @param stable ids of stable samples
 * @param unstable ids of injected unstable samples
 * @param malformed ids of malformed requests, with the dead-letter reason each must get
 * @param sampledDeadLetters ids among {@code malformed} that ingest accepts as samples and the runner dead-letters
 */
record PipelineTraffic(List<Request> requests, List<String> stable, List<String> unstable, Map<String, String> malformed,
        List<String> sampledDeadLetters) {

    /** One logged request: its id and how to make its records (request, and response where the server answered). */
    record Request(String id, Supplier<List<ProducerRecord<String, byte[]>>> make) {

        /** The records, made now: their CloudEvent time is the moment they are sent. */
        List<ProducerRecord<String, byte[]>> records() {
            return make.get();
        }
    }

    /** The five kinds of malformed request and the reason ingest gives each. */
    private static final List<String> MALFORMED_KINDS = List.of("json", "nan", "shape", "type", "model");

    /**
     * Builds the traffic: {@code stable + unstable} valid samples with the unstable ones spread evenly, and
     * {@code malformed} bad requests (cycling through the five kinds) spread evenly between them.
     */
    static PipelineTraffic of(DemoPools pools, String requestsTopic, String responsesTopic, int stableCount, int unstableCount,
            int malformedCount) {
        KServeRecords kserve = new KServeRecords("digits", "default");
        int valid = stableCount + unstableCount;
        List<Request> samples = new ArrayList<>();
        List<String> stable = new ArrayList<>();
        List<String> unstable = new ArrayList<>();
        for (int i = 0; i < valid; i++) {
            // the k-th unstable sample sits at the middle of the k-th of unstableCount equal slices
            boolean injected = unstableCount > 0 && (long) i * unstableCount / valid != (long) (i + 1) * unstableCount / valid;
            String id = (injected ? "unstable-" : "stable-") + i;
            int pick = injected ? unstable.size() % pools.unstable().size() : i % pools.stable().size();
            float[] x = injected ? pools.unstable().get(pick) : pools.stable().get(pick);
            int served = injected ? pools.unstableClasses().get(pick) : pools.stableClasses().get(pick);
            samples.add(new Request(id, () -> List.of(kserve.request(requestsTopic, id, x), kserve.response(responsesTopic, id, served))));
            (injected ? unstable : stable).add(id);
        }
        Map<String, String> malformed = new LinkedHashMap<>();
        List<Request> requests = new ArrayList<>();
        float[] digit = pools.stable().get(0);
        int bad = 0;
        for (int i = 0; i < samples.size(); i++) {
            requests.add(samples.get(i));
            while (bad < malformedCount && (long) (bad + 1) * samples.size() <= (long) (i + 1) * malformedCount) {
                String kind = MALFORMED_KINDS.get(bad % MALFORMED_KINDS.size());
                String id = "bad-" + kind + "-" + bad;
                requests.add(new Request(id, () -> List.of(malformed(kserve, requestsTopic, kind, id, digit))));
                malformed.put(id, reason(kind));
                bad++;
            }
        }
        return new PipelineTraffic(List.copyOf(requests), List.copyOf(stable), List.copyOf(unstable), Collections.unmodifiableMap(malformed),
                List.of());
    }

    /**
     * This traffic and one more request, sent last, that ingest passes on as a sample and the runner must turn into
     * one dead letter with {@code reason}.
     */
    PipelineTraffic withRunnerDeadLetter(String id, String reason, Supplier<List<ProducerRecord<String, byte[]>>> records) {
        List<Request> more = new ArrayList<>(requests);
        more.add(new Request(id, records));
        Map<String, String> reasons = new LinkedHashMap<>(malformed);
        reasons.put(id, reason);
        List<String> sampled = new ArrayList<>(sampledDeadLetters);
        sampled.add(id);
        return new PipelineTraffic(List.copyOf(more), stable, unstable, Collections.unmodifiableMap(reasons), List.copyOf(sampled));
    }

    /** This traffic and one more request, sent last, that ingest must turn into one dead letter with {@code reason}. */
    PipelineTraffic withIngestDeadLetter(String id, String reason, Supplier<List<ProducerRecord<String, byte[]>>> records) {
        List<Request> more = new ArrayList<>(requests);
        more.add(new Request(id, records));
        Map<String, String> reasons = new LinkedHashMap<>(malformed);
        reasons.put(id, reason);
        return new PipelineTraffic(List.copyOf(more), stable, unstable, Collections.unmodifiableMap(reasons), sampledDeadLetters);
    }

    /** The same requests in another order. */
    PipelineTraffic shuffled(java.util.Random random) {
        List<Request> order = new ArrayList<>(requests);
        Collections.shuffle(order, random);
        return new PipelineTraffic(List.copyOf(order), stable, unstable, malformed, sampledDeadLetters);
    }

    /** Ids that must each get exactly one sample: the valid ones and those the runner dead-letters. */
    List<String> sampled() {
        List<String> all = valid();
        all.addAll(sampledDeadLetters);
        return all;
    }

    /** Ids that must each get exactly one explanation. */
    List<String> valid() {
        List<String> all = new ArrayList<>(stable);
        all.addAll(unstable);
        return all;
    }

    private static ProducerRecord<String, byte[]> malformed(KServeRecords kserve, String topic, String kind, String id, float[] digit) {
        return switch (kind) {
            case "json" -> kserve.malformedRequest(topic, id);
            case "nan" -> withBody(kserve.request(topic, id, digit), oip(id, "FP32", 64, "NaN"));
            case "shape" -> withBody(kserve.request(topic, id, digit), oip(id, "FP32", 63, "0.5"));
            case "type" -> withBody(kserve.request(topic, id, digit), oip(id, "BYTES", 64, "\"a\""));
            case "model" -> new KServeRecords("no-such-model", "default").request(topic, id, digit);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static String reason(String kind) {
        return switch (kind) {
            case "json" -> "MALFORMED_JSON";
            case "nan" -> "NON_FINITE";
            case "shape" -> "SHAPE_MISMATCH";
            case "type" -> "UNSUPPORTED_DATATYPE";
            case "model" -> "UNKNOWN_MODEL";
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static byte[] oip(String id, String datatype, int features, String value) {
        String data = String.join(",", Collections.nCopies(features, value));
        return ("{\"id\":\"" + id + "\",\"inputs\":[{\"name\":\"input\",\"shape\":[1," + features + "],\"datatype\":\"" + datatype
                + "\",\"data\":[" + data + "]}]}").getBytes(StandardCharsets.UTF_8);
    }

    private static ProducerRecord<String, byte[]> withBody(ProducerRecord<String, byte[]> record, byte[] body) {
        ProducerRecord<String, byte[]> out = new ProducerRecord<>(record.topic(), null, record.key(), body);
        for (Header h : record.headers()) {
            out.headers().add(h);
        }
        return out;
    }
}
