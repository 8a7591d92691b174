package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The catalogue of bad inputs: every record the ingest must dead-letter, named, with the reason it must give.
 * Each kind of flaw is tried in the forms the ingest reads (KServe CloudEvents in binary and structured mode,
 * Open Inference Protocol, KServe V1 {@code instances}, plain {@code features}). The model is {@code digits}
 * (64 features) from the test repository; limits are the defaults.
 */
final class BadInputs {

    /** One bad record and the reason it must be dead-lettered with. */
    record Case(String category, String name, RejectReason reason, TestRecord<byte[], byte[]> record) {
        @Override
        public String toString() {
            return category + ": " + name + " -> " + reason;
        }
    }

    static final Instant T0 = Instant.parse("2023-01-30T10:45:00.005Z");

    /** Twice the default header limit. */
    private static final int OVERSIZED_HEADER = 64 * 1024;

    private BadInputs() {}

    /** 64 pixel values in [0, 1], the first spelled as given. */
    static String row(String first) {
        return IntStream.range(1, 64).mapToObj(i -> Double.toString((i * 7 % 17) / 16.0))
                .collect(Collectors.joining(", ", "[" + first + ", ", "]"));
    }

    static String row() {
        return row("0.5");
    }

    /** {@code count} comma-separated zeros. */
    static String zeros(int count) {
        return String.join(",", Collections.nCopies(count, "0"));
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ---- record forms ------------------------------------------------------------------------------------

    /** A plain record (no CloudEvent headers) naming the model in a header. */
    static TestRecord<byte[], byte[]> plain(String body) {
        return plain(utf8(body));
    }

    static TestRecord<byte[], byte[]> plain(byte[] body) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("model", utf8("digits"));
        return new TestRecord<>(null, body, headers, T0);
    }

    /** A KServe V1 body with these instances, as a plain record. */
    static TestRecord<byte[], byte[]> v1(String instances) {
        return plain("{\"instances\": [" + instances + "]}");
    }

    /** A plain {@code features} body. */
    static TestRecord<byte[], byte[]> features(String features) {
        return plain("{\"features\": " + features + "}");
    }

    /** An Open Inference Protocol body with one input tensor, as a plain record. */
    static TestRecord<byte[], byte[]> oip(String shape, String datatype, String data) {
        return plain("{\"model_name\": \"digits\", \"inputs\": [{\"name\": \"input\", \"shape\": " + shape
                + ", \"datatype\": " + datatype + ", \"data\": " + data + "}]}");
    }

    static TestRecord<byte[], byte[]> oip(String data) {
        return oip("[1, 64]", "\"FP32\"", data);
    }

    /** The KServe binary-mode V1 request event with another value. */
    static TestRecord<byte[], byte[]> binary(byte[] value) {
        return KafkaRecordFixture.load("binary-v1-request.json").withValue(value).at(T0);
    }

    static TestRecord<byte[], byte[]> binary(String body) {
        return binary(utf8(body));
    }

    /** The KServe binary-mode V1 request event with a header set (or removed when null). */
    static TestRecord<byte[], byte[]> binaryWithHeader(String name, String value) {
        return KafkaRecordFixture.load("binary-v1-request.json").withHeader(name, value).at(T0);
    }

    /** The KServe binary-mode V1 request event with one more raw header. */
    static TestRecord<byte[], byte[]> binaryPlusHeader(String name, byte[] value) {
        TestRecord<byte[], byte[]> record = KafkaRecordFixture.load("binary-v1-request.json").at(T0);
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.remove(name);
        headers.add(name, value);
        return new TestRecord<>(record.key(), record.value(), headers, T0);
    }

    /** A binary-mode response event with this body. */
    static TestRecord<byte[], byte[]> binaryResponse(String body) {
        return KafkaRecordFixture.load("binary-v1-response.json").withValue(utf8(body)).at(T0);
    }

    /** The structured-mode V1 request event as JSON, to edit. */
    static ObjectNode structuredEvent() {
        return (ObjectNode) KafkaRecordFixture.load("structured-v1-request.json").body();
    }

    static TestRecord<byte[], byte[]> structured(ObjectNode event) {
        return structured(utf8(event.toString()));
    }

    static TestRecord<byte[], byte[]> structured(byte[] value) {
        return KafkaRecordFixture.load("structured-v1-request.json").withValue(value).at(T0);
    }

    private static TestRecord<byte[], byte[]> structuredWith(String field, Object value) {
        ObjectNode event = structuredEvent();
        event.set(field, KafkaRecordFixture.JSON.valueToTree(value));
        return structured(event);
    }

    private static TestRecord<byte[], byte[]> structuredWithData(String dataJson) {
        ObjectNode event = structuredEvent();
        event.put("data", dataJson);
        return structured(event);
    }

    private static byte[] randomBytes(long seed, int n) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] truncated(byte[] bytes, double fraction) {
        byte[] out = new byte[(int) (bytes.length * fraction)];
        System.arraycopy(bytes, 0, out, 0, out.length);
        return out;
    }

    // ---- the catalogue -------------------------------------------------------------------------------------

    /** The catalogue, built once (some records are hundreds of kilobytes); the records are not modified by use. */
    static List<Case> all() {
        return Catalogue.CASES;
    }

    private static final class Catalogue {
        static final List<Case> CASES = List.copyOf(build());
    }

    private static List<Case> build() {
        List<Case> cases = new ArrayList<>();
        randomBytesAndNonJson(cases);
        truncatedJson(cases);
        deepNesting(cases);
        hugeArraysAndValues(cases);
        nonFiniteSpellings(cases);
        wrongDatatypes(cases);
        badShapes(cases);
        unknownModels(cases);
        outOfDomain(cases);
        oversizedHeaders(cases);
        invalidUtf8(cases);
        badCloudEvents(cases);
        badResponses(cases);
        return cases;
    }

    private static void add(List<Case> cases, String category, String name, RejectReason reason,
            TestRecord<byte[], byte[]> record) {
        cases.add(new Case(category, name, reason, record));
    }

    private static void randomBytesAndNonJson(List<Case> c) {
        String cat = "random bytes";
        add(c, cat, "1 KiB of random bytes, plain", RejectReason.MALFORMED_JSON, plain(randomBytes(1, 1024)));
        add(c, cat, "100 KiB of random bytes, plain", RejectReason.MALFORMED_JSON, plain(randomBytes(2, 100 * 1024)));
        add(c, cat, "random bytes as binary CloudEvent data", RejectReason.MALFORMED_JSON, binary(randomBytes(3, 4096)));
        add(c, cat, "random bytes as a structured CloudEvent", RejectReason.MALFORMED_JSON, structured(randomBytes(4, 4096)));
        add(c, cat, "random printable ASCII", RejectReason.MALFORMED_JSON,
                plain(new Random(5).ints(2000, 32, 127).mapToObj(i -> String.valueOf((char) i)).collect(Collectors.joining())));
        add(c, cat, "4 KiB of NUL bytes", RejectReason.MALFORMED_JSON, plain(new byte[4096]));
        add(c, cat, "an empty value, plain", RejectReason.EMPTY, plain(new byte[0]));
        add(c, cat, "a tombstone (null value), plain", RejectReason.EMPTY, new TestRecord<>(null, null, new RecordHeaders(), T0));
        TestRecord<byte[], byte[]> event = binary(new byte[0]);
        add(c, cat, "a tombstone binary CloudEvent", RejectReason.EMPTY, new TestRecord<>(null, null, event.headers(), T0));
        add(c, cat, "an empty structured CloudEvent", RejectReason.EMPTY, structured(new byte[0]));
        add(c, cat, "whitespace only", RejectReason.EMPTY, plain(" \n\t "));
        add(c, cat, "JSON null", RejectReason.UNKNOWN_FORMAT, plain("null"));
        add(c, cat, "a JSON number", RejectReason.UNKNOWN_FORMAT, plain("42"));
        add(c, cat, "a top-level array of rows", RejectReason.UNKNOWN_FORMAT, plain("[" + row() + "]"));
        add(c, cat, "a JSON string holding the request", RejectReason.UNKNOWN_FORMAT,
                plain(KafkaRecordFixture.JSON.valueToTree("{\"instances\": [" + row() + "]}").toString()));
        add(c, cat, "an object of no known form", RejectReason.UNKNOWN_FORMAT, plain("{\"rows\": [" + row() + "]}"));
        add(c, cat, "two documents in one value", RejectReason.MALFORMED_JSON,
                plain("{\"instances\": [" + row() + "]} {\"instances\": [" + row() + "]}"));
        add(c, cat, "trailing garbage", RejectReason.MALFORMED_JSON, plain("{\"instances\": [" + row() + "]}x"));
        add(c, cat, "duplicate keys", RejectReason.MALFORMED_JSON,
                plain("{\"instances\": [" + row() + "], \"instances\": [" + row() + "]}"));
        add(c, cat, "single-quoted JSON", RejectReason.MALFORMED_JSON, plain("{'instances': [" + row() + "]}"));
        add(c, cat, "JSON with comments", RejectReason.MALFORMED_JSON, plain("{/* c */ \"instances\": [" + row() + "]}"));
        add(c, cat, "gzip magic then garbage", RejectReason.MALFORMED_JSON,
                plain(concat(new byte[] {0x1f, (byte) 0x8b, 8, 0}, randomBytes(6, 100))));
    }

    private static void truncatedJson(List<Case> c) {
        String cat = "truncated JSON";
        byte[] v1 = KafkaRecordFixture.load("binary-v1-request.json").value();
        byte[] v2 = KafkaRecordFixture.load("binary-v2-request.json").value();
        byte[] event = KafkaRecordFixture.load("structured-v1-request.json").value();
        add(c, cat, "binary V1 event data cut in half", RejectReason.MALFORMED_JSON, binary(truncated(v1, 0.5)));
        add(c, cat, "binary event, OIP data cut at 90%", RejectReason.MALFORMED_JSON, binary(truncated(v2, 0.9)));
        add(c, cat, "binary event data missing its last byte", RejectReason.MALFORMED_JSON,
                binary(java.util.Arrays.copyOf(v1, v1.length - 1)));
        add(c, cat, "structured event cut in half", RejectReason.MALFORMED_JSON, structured(truncated(event, 0.5)));
        add(c, cat, "structured event, data as a string of truncated JSON", RejectReason.MALFORMED_JSON,
                structuredWithData("{\"instances\": [" + row()));
        ObjectNode base64 = structuredEvent();
        base64.remove("data");
        base64.put("data_base64", Base64.getEncoder().encodeToString(truncated(v1, 0.5)));
        add(c, cat, "structured event, data_base64 of truncated JSON", RejectReason.MALFORMED_JSON, structured(base64));
        add(c, cat, "OIP cut inside a number", RejectReason.MALFORMED_JSON,
                plain("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": [0.12"));
        add(c, cat, "V1 cut inside a string", RejectReason.MALFORMED_JSON, plain("{\"id\": \"abc"));
        add(c, cat, "just an opening brace", RejectReason.MALFORMED_JSON, plain("{"));
    }

    private static void deepNesting(List<Case> c) {
        String cat = "deep nesting";
        String deep = "[".repeat(100_000);
        add(c, cat, "100k '[' in instances, plain", RejectReason.MALFORMED_JSON, plain("{\"instances\": " + deep));
        add(c, cat, "100k '[' closed, plain", RejectReason.MALFORMED_JSON,
                plain("{\"instances\": " + deep + "1" + "]".repeat(100_000) + "}"));
        add(c, cat, "100k '{' as binary event data", RejectReason.MALFORMED_JSON, binary("{\"a\":".repeat(100_000)));
        add(c, cat, "100k '[' in OIP data", RejectReason.MALFORMED_JSON, oip(deep));
        add(c, cat, "100k '[' as a top-level value", RejectReason.MALFORMED_JSON, plain(deep));
        add(c, cat, "65 levels, one past the limit, in an ignored field", RejectReason.MALFORMED_JSON,
                plain("{\"x\": " + "[".repeat(64) + "]".repeat(64) + ", \"instances\": [" + row() + "]}"));
        add(c, cat, "100k '[' in a structured event's data string", RejectReason.MALFORMED_JSON,
                structuredWithData("{\"instances\": " + deep));
        add(c, cat, "100k '[' in a structured event's data", RejectReason.MALFORMED_JSON,
                structured(utf8("{\"specversion\": \"1.0\", \"data\": " + deep)));
    }

    private static void hugeArraysAndValues(List<Case> c) {
        String cat = "huge arrays";
        add(c, cat, "OIP shape [1, 64] with 200k values", RejectReason.SHAPE_MISMATCH, oip("[" + zeros(200_000) + "]"));
        add(c, cat, "OIP shape [2^40] with 200k values", RejectReason.SHAPE_MISMATCH,
                oip("[1099511627776]", "\"FP32\"", "[" + zeros(200_000) + "]"));
        add(c, cat, "V1 one instance of 200k values", RejectReason.SHAPE_MISMATCH, v1("[" + zeros(200_000) + "]"));
        add(c, cat, "plain features of 200k values", RejectReason.SHAPE_MISMATCH, features("[" + zeros(200_000) + "]"));
        add(c, cat, "binary event, 200k values in one instance", RejectReason.SHAPE_MISMATCH,
                binary("{\"instances\": [[" + zeros(200_000) + "]]}"));
        add(c, cat, "100k empty instances", RejectReason.EMPTY, v1(String.join(",", Collections.nCopies(100_000, "[]"))));
        add(c, cat, "a value of 600 KiB, over the 512 KiB limit", RejectReason.TOO_LARGE,
                v1("[" + zeros(300_000) + "]"));
        add(c, cat, "a structured event of 600 KiB", RejectReason.TOO_LARGE,
                structured(utf8("{\"data\": [" + zeros(300_000) + "]}")));
        add(c, cat, "a 1 MiB value as binary event data", RejectReason.TOO_LARGE, binary(new byte[1 << 20]));
        add(c, cat, "a 400 KB id string", RejectReason.INVALID_ATTRIBUTE,
                plain("{\"id\": \"" + "i".repeat(400_000) + "\", \"instances\": [" + row() + "]}"));
        add(c, cat, "a 400 KB structured event id", RejectReason.INVALID_ATTRIBUTE, structuredWith("id", "e".repeat(400_000)));
        add(c, cat, "a 400 KB model name", RejectReason.UNKNOWN_MODEL,
                plain("{\"model\": \"" + "m".repeat(400_000) + "\", \"features\": " + row() + "}"));
        add(c, cat, "a 400 KB event type", RejectReason.UNKNOWN_EVENT_TYPE, structuredWith("type", "t".repeat(400_000)));
        add(c, cat, "a 400 KB OIP shape of ones", RejectReason.SHAPE_MISMATCH,
                oip("[" + String.join(",", Collections.nCopies(150_000, "1")) + "]", "\"FP32\"", "[" + row() + "]"));
        add(c, cat, "a 400 KB number literal", RejectReason.MALFORMED_JSON, features("[1" + "0".repeat(400_000) + "]"));
        add(c, cat, "a 400 KB datatype string", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 64]", "\"" + "F".repeat(400_000) + "\"", row()));
    }

    private static void nonFiniteSpellings(List<Case> c) {
        String cat = "NaN and Infinity";
        String[][] spellings = {
            {"NaN", "NON_FINITE"}, {"Infinity", "NON_FINITE"}, {"-Infinity", "NON_FINITE"}, {"+Infinity", "NON_FINITE"},
            {"-INF", "NON_FINITE"}, {"+INF", "NON_FINITE"},
            {"nan", "MALFORMED_JSON"}, {"-NaN", "MALFORMED_JSON"}, {"+NaN", "MALFORMED_JSON"}, {"NAN", "MALFORMED_JSON"},
            {"inf", "MALFORMED_JSON"}, {"-inf", "MALFORMED_JSON"}, {"INF", "MALFORMED_JSON"}, {"Inf", "MALFORMED_JSON"},
            {"infinity", "MALFORMED_JSON"}, {"1.#INF", "MALFORMED_JSON"}, {"1.#QNAN", "MALFORMED_JSON"},
            {"\"NaN\"", "UNSUPPORTED_DATATYPE"}, {"\"Infinity\"", "UNSUPPORTED_DATATYPE"}, {"\"-Infinity\"", "UNSUPPORTED_DATATYPE"},
            {"1e39", "NON_FINITE"}, {"-1e39", "NON_FINITE"}, {"3.5e38", "NON_FINITE"}, {"1e309", "NON_FINITE"},
            {"-1e400", "NON_FINITE"}, {"1" + "0".repeat(400), "NON_FINITE"}, {"1" + "0".repeat(1000), "MALFORMED_JSON"}};
        for (String[] s : spellings) {
            RejectReason reason = RejectReason.valueOf(s[1]);
            String shown = s[0].length() > 12 ? s[0].length() + "-digit integer" : s[0];
            add(c, cat, shown + " in a V1 instance", reason, v1(row(s[0])));
            add(c, cat, shown + " in OIP data", reason, oip(row(s[0])));
            add(c, cat, shown + " in binary event data", reason, binary("{\"instances\": [" + row(s[0]) + "]}"));
        }
        add(c, cat, "NaN in plain features", RejectReason.NON_FINITE, features(row("NaN")));
        add(c, cat, "Infinity in a structured event's data", RejectReason.NON_FINITE,
                structured(utf8(structuredEvent().toString().replaceFirst("\\[\\[0\\.0", "[[Infinity"))));
        add(c, cat, "NaN in an OIP shape", RejectReason.SHAPE_MISMATCH, oip("[NaN, 64]", "\"FP32\"", row()));
        add(c, cat, "NaN in an FP64 tensor", RejectReason.NON_FINITE, oip("[1, 64]", "\"FP64\"", row("NaN")));
    }

    private static void wrongDatatypes(List<Case> c) {
        String cat = "wrong datatypes";
        add(c, cat, "OIP BYTES tensor of strings", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 1]", "\"BYTES\"", "[\"hello\"]"));
        add(c, cat, "OIP BOOL tensor", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 64]", "\"BOOL\"", "[" + String.join(",", Collections.nCopies(64, "true")) + "]"));
        add(c, cat, "OIP lower-case fp32", RejectReason.UNSUPPORTED_DATATYPE, oip("[1, 64]", "\"fp32\"", row()));
        add(c, cat, "OIP datatype as a number", RejectReason.UNSUPPORTED_DATATYPE, oip("[1, 64]", "32", row()));
        add(c, cat, "OIP datatype null", RejectReason.UNSUPPORTED_DATATYPE, oip("[1, 64]", "null", row()));
        add(c, cat, "OIP INT64 tensor holding fractions", RejectReason.UNSUPPORTED_DATATYPE, oip("[1, 64]", "\"INT64\"", row()));
        add(c, cat, "OIP UINT8 tensor holding -1", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 64]", "\"UINT8\"", "[-1, " + zeros(63) + "]"));
        add(c, cat, "OIP UINT8 tensor holding 256", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 64]", "\"UINT8\"", "[256, " + zeros(63) + "]"));
        add(c, cat, "OIP INT8 tensor holding 128", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 64]", "\"INT8\"", "[128, " + zeros(63) + "]"));
        add(c, cat, "OIP INT32 tensor holding 2^31", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 64]", "\"INT32\"", "[2147483648, " + zeros(63) + "]"));
        add(c, cat, "OIP INT64 tensor holding 2^63", RejectReason.UNSUPPORTED_DATATYPE,
                oip("[1, 64]", "\"INT64\"", "[9223372036854775808, " + zeros(63) + "]"));
        add(c, cat, "OIP FP32 data holding booleans", RejectReason.UNSUPPORTED_DATATYPE, oip(row("true")));
        add(c, cat, "OIP FP32 data holding null", RejectReason.UNSUPPORTED_DATATYPE, oip(row("null")));
        add(c, cat, "OIP FP32 data holding an object", RejectReason.UNSUPPORTED_DATATYPE, oip(row("{\"v\": 1}")));
        add(c, cat, "OIP FP32 data holding numeric strings", RejectReason.UNSUPPORTED_DATATYPE, oip(row("\"0.5\"")));
        add(c, cat, "OIP data as a string", RejectReason.SHAPE_MISMATCH, oip("[1, 64]", "\"FP32\"", "\"" + row() + "\""));
        add(c, cat, "OIP inputs as an object", RejectReason.SHAPE_MISMATCH,
                plain("{\"model_name\": \"digits\", \"inputs\": {\"name\": \"input\"}}"));
        add(c, cat, "OIP inputs holding a number", RejectReason.UNSUPPORTED_DATATYPE, plain("{\"model_name\": \"digits\", \"inputs\": [1]}"));
        add(c, cat, "OIP no input tensor", RejectReason.SHAPE_MISMATCH, plain("{\"model_name\": \"digits\", \"inputs\": []}"));
        add(c, cat, "V1 instances as an object", RejectReason.UNKNOWN_FORMAT, plain("{\"instances\": {\"x\": " + row() + "}}"));
        add(c, cat, "V1 instances as a string", RejectReason.UNKNOWN_FORMAT, plain("{\"instances\": \"" + row() + "\"}"));
        add(c, cat, "V1 named-object instances", RejectReason.UNSUPPORTED_DATATYPE, v1("{\"x\": " + row() + "}"));
        add(c, cat, "V1 instance holding a string", RejectReason.UNSUPPORTED_DATATYPE, v1(row("\"a\"")));
        add(c, cat, "V1 instance holding false", RejectReason.UNSUPPORTED_DATATYPE, v1(row("false")));
        add(c, cat, "plain features as a string", RejectReason.UNSUPPORTED_DATATYPE, features("\"" + row() + "\""));
        add(c, cat, "plain features as an object", RejectReason.UNSUPPORTED_DATATYPE, features("{\"a\": 1}"));
        add(c, cat, "plain version as an object", RejectReason.INVALID_ATTRIBUTE,
                plain("{\"version\": {\"v\": 1}, \"features\": " + row() + "}"));
        add(c, cat, "plain model as an array", RejectReason.INVALID_ATTRIBUTE,
                plain("{\"model\": [\"digits\"], \"features\": " + row() + "}"));
        add(c, cat, "OIP id as an object", RejectReason.INVALID_ATTRIBUTE,
                plain("{\"id\": {\"a\": 1}, \"model_name\": \"digits\", \"inputs\": [{\"name\": \"input\", \"shape\": [1, 64],"
                        + " \"datatype\": \"FP32\", \"data\": " + row() + "}]}"));
        add(c, cat, "structured event data as an array", RejectReason.UNKNOWN_FORMAT, structuredWith("data", List.of(1, 2)));
        add(c, cat, "structured event data as a number", RejectReason.UNKNOWN_FORMAT, structuredWith("data", 7));
        add(c, cat, "structured event data_base64 as a number", RejectReason.INVALID_ATTRIBUTE, structuredWithBase64(123));
        add(c, cat, "structured event data_base64 not base64", RejectReason.INVALID_ATTRIBUTE, structuredWithBase64("%%%not base64"));
        add(c, cat, "structured event specversion as a number", RejectReason.INVALID_ATTRIBUTE, structuredWith("specversion", 1.0));
        add(c, cat, "structured event id as a number", RejectReason.INVALID_ATTRIBUTE, structuredWith("id", 17));
        add(c, cat, "structured event type as an array", RejectReason.INVALID_ATTRIBUTE,
                structuredWith("type", List.of("org.kubeflow.serving.inference.request")));
        add(c, cat, "structured event time as a number", RejectReason.INVALID_ATTRIBUTE, structuredWith("time", 1675075620000L));
    }

    private static TestRecord<byte[], byte[]> structuredWithBase64(Object value) {
        ObjectNode event = structuredEvent();
        event.remove("data");
        event.set("data_base64", KafkaRecordFixture.JSON.valueToTree(value));
        return structured(event);
    }

    private static void badShapes(List<Case> c) {
        String cat = "bad shapes";
        String data = row();
        add(c, cat, "negative batch [-1, 64]", RejectReason.SHAPE_MISMATCH, oip("[-1, 64]", "\"FP32\"", data));
        add(c, cat, "negative feature axis [1, -64]", RejectReason.SHAPE_MISMATCH, oip("[1, -64]", "\"FP32\"", data));
        add(c, cat, "two negatives [-1, -64] (product 64)", RejectReason.SHAPE_MISMATCH, oip("[-1, -64]", "\"FP32\"", data));
        add(c, cat, "zero batch [0, 64] with no data", RejectReason.EMPTY, oip("[0, 64]", "\"FP32\"", "[]"));
        add(c, cat, "zero features [1, 0]", RejectReason.EMPTY, oip("[1, 0]", "\"FP32\"", "[]"));
        add(c, cat, "2^31 samples of zero features", RejectReason.EMPTY, oip("[2147483648, 0]", "\"FP32\"", "[]"));
        add(c, cat, "[2, 64] with 64 values", RejectReason.SHAPE_MISMATCH, oip("[2, 64]", "\"FP32\"", data));
        add(c, cat, "[1, 65] with 64 values", RejectReason.SHAPE_MISMATCH, oip("[1, 65]", "\"FP32\"", data));
        add(c, cat, "[1, 32] with 32 values for a 64-feature model", RejectReason.SHAPE_MISMATCH,
                oip("[1, 32]", "\"FP32\"", "[" + zeros(32) + "]"));
        add(c, cat, "[64] without a feature axis", RejectReason.SHAPE_MISMATCH, oip("[64]", "\"FP32\"", data));
        add(c, cat, "[2^32, 2^32, 2^32] (product overflows)", RejectReason.SHAPE_MISMATCH,
                oip("[4294967296, 4294967296, 4294967296]", "\"FP32\"", data));
        add(c, cat, "[2^62, 4] (product overflows)", RejectReason.SHAPE_MISMATCH, oip("[4611686018427387904, 4]", "\"FP32\"", data));
        add(c, cat, "[2^40] with one value", RejectReason.SHAPE_MISMATCH, oip("[1099511627776]", "\"FP32\"", "[1]"));
        add(c, cat, "[2^31, 64] with 64 values", RejectReason.SHAPE_MISMATCH, oip("[2147483648, 64]", "\"FP32\"", data));
        add(c, cat, "a dimension of 2^63", RejectReason.SHAPE_MISMATCH, oip("[9223372036854775808, 64]", "\"FP32\"", data));
        add(c, cat, "a fractional dimension", RejectReason.SHAPE_MISMATCH, oip("[1, 64.5]", "\"FP32\"", data));
        add(c, cat, "a dimension in exponent form", RejectReason.SHAPE_MISMATCH, oip("[1, 6.4e1]", "\"FP32\"", data));
        add(c, cat, "a dimension as a string", RejectReason.SHAPE_MISMATCH, oip("[1, \"64\"]", "\"FP32\"", data));
        add(c, cat, "a dimension as null", RejectReason.SHAPE_MISMATCH, oip("[1, null]", "\"FP32\"", data));
        add(c, cat, "shape as a string", RejectReason.SHAPE_MISMATCH, oip("\"1,64\"", "\"FP32\"", data));
        add(c, cat, "shape as a number", RejectReason.SHAPE_MISMATCH, oip("64", "\"FP32\"", data));
        add(c, cat, "an empty shape", RejectReason.SHAPE_MISMATCH, oip("[]", "\"FP32\"", data));
        add(c, cat, "nested data whose rows disagree with the shape", RejectReason.SHAPE_MISMATCH,
                oip("[2, 64]", "\"FP32\"", "[[" + zeros(63) + "], [" + zeros(65) + "]]"));
        add(c, cat, "V1 ragged instances (64 then 63)", RejectReason.SHAPE_MISMATCH, v1(row() + ", [" + zeros(63) + "]"));
        add(c, cat, "V1 flat instances (64 one-value samples)", RejectReason.SHAPE_MISMATCH, v1(zeros(64)));
        add(c, cat, "plain features of 63", RejectReason.SHAPE_MISMATCH, features("[" + zeros(63) + "]"));
        add(c, cat, "binary event V1 with 65 features", RejectReason.SHAPE_MISMATCH, binary("{\"instances\": [[" + zeros(65) + "]]}"));
        add(c, cat, "empty V1 instance", RejectReason.EMPTY, v1("[]"));
    }

    /** Values outside the input domain of {@code bounded} ([0, 1] per pixel), which the runner could not search a box in. */
    private static void outOfDomain(List<Case> c) {
        String cat = "out of domain";
        for (String value : List.of("1e30", "16", "1.0001", "-0.5", "-1e30")) {
            add(c, cat, value + " in plain features", RejectReason.OUT_OF_DOMAIN,
                    plain("{\"model\": \"bounded\", \"features\": " + row(value) + "}"));
            add(c, cat, value + " in OIP data", RejectReason.OUT_OF_DOMAIN,
                    plain("{\"model_name\": \"bounded\", \"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\","
                            + " \"data\": " + row(value) + "}]}"));
        }
        add(c, cat, "raw grey levels 0..16 in a binary event", RejectReason.OUT_OF_DOMAIN,
                KafkaRecordFixture.load("binary-v1-request.json").withHeader("ce_inferenceservicename", "bounded")
                        .withValue(utf8("{\"instances\": [" + IntStream.range(0, 64).mapToObj(i -> Integer.toString(i % 17))
                                .collect(Collectors.joining(", ", "[", "]")) + "]}")).at(T0));
        String twoRows = row().substring(0, row().length() - 1) + ", " + row("2").substring(1);
        add(c, cat, "the second of two OIP rows", RejectReason.OUT_OF_DOMAIN,
                plain("{\"model_name\": \"bounded\", \"inputs\": [{\"name\": \"input\", \"shape\": [2, 64], \"datatype\": \"FP32\","
                        + " \"data\": " + twoRows + "}]}"));
    }

    private static void unknownModels(List<Case> c) {
        String cat = "unknown models";
        add(c, cat, "an inference service the repository lacks", RejectReason.UNKNOWN_MODEL,
                binaryWithHeader("ce_inferenceservicename", "sklearn-iris"));
        add(c, cat, "no model named at all", RejectReason.UNKNOWN_MODEL,
                new TestRecord<>(null, utf8("{\"instances\": [" + row() + "]}"), new RecordHeaders(), T0));
        add(c, cat, "path traversal ../digits", RejectReason.UNKNOWN_MODEL, plain("{\"model\": \"../digits\", \"features\": " + row() + "}"));
        add(c, cat, "model name with a slash digits/1", RejectReason.UNKNOWN_MODEL,
                plain("{\"model\": \"digits/1\", \"features\": " + row() + "}"));
        add(c, cat, "model name with a NUL", RejectReason.UNKNOWN_MODEL,
                plain("{\"model\": \"digits\\u0000\", \"features\": " + row() + "}"));
        add(c, cat, "model name in another case", RejectReason.UNKNOWN_MODEL, plain("{\"model\": \"DIGITS\", \"features\": " + row() + "}"));
        add(c, cat, "model name as a number", RejectReason.UNKNOWN_MODEL, plain("{\"model\": 42, \"features\": " + row() + "}"));
        add(c, cat, "OIP model_name the repository lacks", RejectReason.UNKNOWN_MODEL,
                plain("{\"model_name\": \"resnet\", \"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\","
                        + " \"data\": " + row() + "}]}"));
        add(c, cat, "a version the model lacks", RejectReason.UNKNOWN_VERSION, plain("{\"version\": \"7\", \"features\": " + row() + "}"));
        add(c, cat, "version ../1", RejectReason.UNKNOWN_VERSION, plain("{\"version\": \"../1\", \"features\": " + row() + "}"));
        add(c, cat, "version -1", RejectReason.UNKNOWN_VERSION, plain("{\"version\": -1, \"features\": " + row() + "}"));
        add(c, cat, "version 1.0 for version 1", RejectReason.UNKNOWN_VERSION, plain("{\"version\": 1.0, \"features\": " + row() + "}"));
        add(c, cat, "model-version header the model lacks", RejectReason.UNKNOWN_VERSION,
                binaryPlusHeader("model-version", utf8("99")));
    }

    private static void oversizedHeaders(List<Case> c) {
        String cat = "oversized headers";
        add(c, cat, "one 64 KiB custom header", RejectReason.TOO_LARGE, binaryPlusHeader("x-blob", new byte[OVERSIZED_HEADER]));
        add(c, cat, "one 900 KiB header", RejectReason.TOO_LARGE, binaryPlusHeader("x-blob", new byte[900 * 1024]));
        add(c, cat, "a 64 KiB ce_id", RejectReason.TOO_LARGE, binaryPlusHeader("ce_id", utf8("i".repeat(OVERSIZED_HEADER))));
        add(c, cat, "a 64 KiB ce_type", RejectReason.TOO_LARGE, binaryPlusHeader("ce_type", utf8("t".repeat(OVERSIZED_HEADER))));
        add(c, cat, "a 64 KiB model header on a plain record", RejectReason.TOO_LARGE,
                new TestRecord<>(null, utf8("{\"features\": " + row() + "}"),
                        new RecordHeaders().add("model", utf8("m".repeat(OVERSIZED_HEADER))), T0));
        TestRecord<byte[], byte[]> many = binary(utf8("{\"instances\": [" + row() + "]}"));
        for (int i = 0; i < 20_000; i++) {
            many.headers().add("x-" + i, new byte[] {'v'});
        }
        add(c, cat, "20,000 small headers", RejectReason.TOO_LARGE, many);
        add(c, cat, "a 1,000-character ce_id under the header limit", RejectReason.INVALID_ATTRIBUTE,
                binaryPlusHeader("ce_id", utf8("i".repeat(1000))));
        add(c, cat, "a 20 KB ce_type under the header limit", RejectReason.UNKNOWN_EVENT_TYPE,
                binaryPlusHeader("ce_type", utf8("t".repeat(20_000))));
        add(c, cat, "a 20 KB ce_inferenceservicename", RejectReason.UNKNOWN_MODEL,
                binaryPlusHeader("ce_inferenceservicename", utf8("s".repeat(20_000))));
    }

    private static void invalidUtf8(List<Case> c) {
        String cat = "invalid UTF-8";
        byte[] open = utf8("{\"id\": \"");
        byte[] close = utf8("\", \"instances\": [" + row() + "]}");
        add(c, cat, "a 0xFF byte inside a string, plain", RejectReason.MALFORMED_JSON, plain(concat(open, new byte[] {(byte) 0xff}, close)));
        add(c, cat, "a lone continuation byte", RejectReason.MALFORMED_JSON, plain(concat(open, new byte[] {(byte) 0x80}, close)));
        add(c, cat, "an overlong '/' (C0 AF)", RejectReason.MALFORMED_JSON,
                plain(concat(open, new byte[] {'.', '.', (byte) 0xc0, (byte) 0xaf}, close)));
        add(c, cat, "an overlong NUL (C0 80)", RejectReason.MALFORMED_JSON, plain(concat(open, new byte[] {(byte) 0xc0, (byte) 0x80}, close)));
        add(c, cat, "a UTF-8-encoded surrogate (ED A0 80)", RejectReason.MALFORMED_JSON,
                plain(concat(open, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, close)));
        add(c, cat, "a code point above U+10FFFF (F4 90 80 80)", RejectReason.MALFORMED_JSON,
                plain(concat(open, new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, close)));
        add(c, cat, "a multi-byte sequence cut short", RejectReason.MALFORMED_JSON, plain(concat(open, new byte[] {(byte) 0xe2, (byte) 0x82}, close)));
        add(c, cat, "a 0xFE byte between tokens", RejectReason.MALFORMED_JSON,
                plain(concat(utf8("{\"instances\":"), new byte[] {(byte) 0xfe}, utf8("[" + row() + "]}"))));
        add(c, cat, "the request in UTF-16LE", RejectReason.MALFORMED_JSON,
                plain(("{\"instances\": [" + row() + "]}").getBytes(StandardCharsets.UTF_16LE)));
        add(c, cat, "the request in UTF-16 with a byte-order mark", RejectReason.MALFORMED_JSON,
                plain(("{\"instances\": [" + row() + "]}").getBytes(StandardCharsets.UTF_16)));
        add(c, cat, "the request in Latin-1 with an accented id", RejectReason.MALFORMED_JSON,
                plain(("{\"id\": \"caf\u00e9\", \"instances\": [" + row() + "]}").getBytes(StandardCharsets.ISO_8859_1)));
        add(c, cat, "invalid UTF-8 in binary event data", RejectReason.MALFORMED_JSON, binary(concat(open, new byte[] {(byte) 0xff}, close)));
        add(c, cat, "invalid UTF-8 in a structured event", RejectReason.MALFORMED_JSON,
                structured(withByte(structuredEvent().toString())));
        add(c, cat, "a ce_type header of 0xFF 0xFE", RejectReason.INVALID_ATTRIBUTE, binaryPlusHeader("ce_type", new byte[] {(byte) 0xff, (byte) 0xfe}));
        add(c, cat, "a ce_id header with an overlong '/'", RejectReason.INVALID_ATTRIBUTE,
                binaryPlusHeader("ce_id", new byte[] {'a', (byte) 0xc0, (byte) 0xaf}));
        add(c, cat, "a ce_specversion header of one 0x80", RejectReason.INVALID_ATTRIBUTE,
                binaryPlusHeader("ce_specversion", new byte[] {(byte) 0x80}));
        add(c, cat, "a content-type header of 0xFF", RejectReason.INVALID_ATTRIBUTE, binaryPlusHeader("content-type", new byte[] {(byte) 0xff}));
        add(c, cat, "a model header of Latin-1 on a plain record", RejectReason.INVALID_ATTRIBUTE,
                new TestRecord<>(null, utf8("{\"features\": " + row() + "}"),
                        new RecordHeaders().add("model", "d\u00efgits".getBytes(StandardCharsets.ISO_8859_1)), T0));
    }

    /** The structured event's bytes with a 0xFF byte inside its namespace string. */
    private static byte[] withByte(String event) {
        int at = event.indexOf("\"default\"") + 1;
        byte[] before = utf8(event.substring(0, at));
        byte[] after = utf8(event.substring(at));
        return concat(before, new byte[] {(byte) 0xff}, after);
    }

    private static void badCloudEvents(List<Case> c) {
        String cat = "CloudEvent attributes";
        add(c, cat, "a time with a nine-digit year (epoch millis overflow)", RejectReason.INVALID_ATTRIBUTE,
                binaryWithHeader("ce_time", "+999999999-12-31T23:59:59Z"));
        add(c, cat, "a time in month 13", RejectReason.INVALID_ATTRIBUTE, binaryWithHeader("ce_time", "2023-13-01T00:00:00Z"));
        add(c, cat, "a time without an offset", RejectReason.INVALID_ATTRIBUTE, binaryWithHeader("ce_time", "2023-01-30T10:45:00"));
        add(c, cat, "an empty ce_id", RejectReason.MISSING_ATTRIBUTE, binaryWithHeader("ce_id", ""));
        add(c, cat, "no ce_type", RejectReason.MISSING_ATTRIBUTE, binaryWithHeader("ce_type", null));
        add(c, cat, "no ce_specversion", RejectReason.MISSING_ATTRIBUTE, binaryWithHeader("ce_specversion", null));
        add(c, cat, "specversion 2.0", RejectReason.INVALID_ATTRIBUTE, binaryWithHeader("ce_specversion", "2.0"));
        add(c, cat, "a Knative ping event", RejectReason.UNKNOWN_EVENT_TYPE, binaryWithHeader("ce_type", "dev.knative.sources.ping"));
        add(c, cat, "a structured content type over a binary-mode body", RejectReason.MISSING_ATTRIBUTE,
                binaryPlusHeader("content-type", utf8("application/cloudevents+json")));
        add(c, cat, "a ce_ header naming an extension the spec forbids (not lowercase letters and digits)",
                RejectReason.INVALID_ATTRIBUTE, binaryWithHeader("ce_model_name", "digits"));
        add(c, cat, "a ce_source that is no URI reference", RejectReason.INVALID_ATTRIBUTE, binaryWithHeader("ce_source", "http://a b/"));
        ObjectNode badExtension = structuredEvent();
        badExtension.put("Model-Name", "digits");
        add(c, cat, "a structured event with an extension name the spec forbids", RejectReason.INVALID_ATTRIBUTE, structured(badExtension));
        add(c, cat, "a structured event in a format other than JSON", RejectReason.INVALID_ATTRIBUTE,
                KafkaRecordFixture.load("structured-v1-request.json").withHeader("content-type", "application/cloudevents+avro").at(T0));
        ObjectNode both = structuredEvent();
        both.put("data_base64", "e30=");
        add(c, cat, "a structured event with data and data_base64", RejectReason.INVALID_ATTRIBUTE, structured(both));
        ObjectNode noData = structuredEvent();
        noData.remove("data");
        add(c, cat, "a structured event without data", RejectReason.EMPTY, structured(noData));
        ObjectNode nullData = structuredEvent();
        nullData.putNull("data");
        add(c, cat, "a structured event whose data is null", RejectReason.EMPTY, structured(nullData));
    }

    private static void badResponses(List<Case> c) {
        String cat = "responses";
        add(c, cat, "NaN in predictions", RejectReason.NON_FINITE, binaryResponse("{\"predictions\": [NaN, 4]}"));
        add(c, cat, "1e39 in an FP32 output", RejectReason.NON_FINITE,
                binaryResponse("{\"outputs\": [{\"name\": \"o\", \"shape\": [1, 2], \"datatype\": \"FP32\", \"data\": [1e39, 0]}]}"));
        add(c, cat, "a BYTES output", RejectReason.UNSUPPORTED_DATATYPE,
                binaryResponse("{\"outputs\": [{\"name\": \"o\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"cat\"]}]}"));
        add(c, cat, "an output shape claiming 2^40 values", RejectReason.SHAPE_MISMATCH,
                binaryResponse("{\"outputs\": [{\"name\": \"o\", \"shape\": [1099511627776], \"datatype\": \"FP32\", \"data\": [1]}]}"));
        add(c, cat, "no outputs", RejectReason.EMPTY, binaryResponse("{\"outputs\": []}"));
        add(c, cat, "truncated response", RejectReason.MALFORMED_JSON, binaryResponse("{\"predictions\": [1,"));
        add(c, cat, "100k '[' in predictions", RejectReason.MALFORMED_JSON, binaryResponse("{\"predictions\": " + "[".repeat(100_000)));
        add(c, cat, "a plain response without an id", RejectReason.MISSING_ATTRIBUTE,
                new TestRecord<>(null, utf8("{\"predictions\": [1]}"), new RecordHeaders(), T0));
    }
}
