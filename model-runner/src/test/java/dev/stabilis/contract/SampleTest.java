package dev.stabilis.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SampleTest {

    @Test
    void readsTheSamplesContract() {
        Sample s = Sample.read(bytes("{\"requestId\":\"r1\",\"index\":2,\"model\":\"digits\",\"version\":\"1\",\"format\":\"KSERVE_V1\","
                + "\"features\":[0.5,1,0],\"servedClass\":3,\"servedOutput\":[3],\"receivedAt\":20,\"eventTime\":10,"
                + "\"endpoint\":\"canary\",\"namespace\":\"ml\"}"));
        assertThat(s.requestId()).isEqualTo("r1");
        assertThat(s.index()).isEqualTo(2);
        assertThat(s.features()).containsExactly(0.5f, 1f, 0f);
        assertThat(s.servedClass()).isEqualTo(3);
        assertThat(s.eventTime()).isEqualTo(10);
        assertThat(s.receivedAt()).isEqualTo(20);
        assertThat(s.endpoint()).isEqualTo("canary");
        assertThat(s.namespace()).isEqualTo("ml");
        Sample noResponse = Sample.read(bytes("{\"requestId\":\"r2\",\"model\":\"digits\",\"features\":[1],\"servedClass\":null}"));
        assertThat(noResponse.servedClass()).isNull();
        assertThat(noResponse.version()).isEqualTo("latest");
    }

    @Test
    void theWriterWritesWhatTheReaderReads() {
        Sample s = new Sample("r1", 0, "digits", "2", "PLAIN", new float[] {0.25f, 1f}, null, null, 5, 4, "default", "ml");
        assertThat(Sample.read(s.toJson())).usingRecursiveComparison().isEqualTo(s);
    }

    @Test
    void anythingElseIsRefusedWithTheReason() {
        for (String bad : new String[] {"{", "[1,2]", "{\"model\":\"digits\"}", "{\"model\":\"digits\",\"features\":[]}",
                "{\"model\":\"digits\",\"features\":[\"a\"]}", "{\"features\":[1]}", "{\"model\":\"d\",\"features\":[1e39]}",
                "{\"model\":\"d\",\"features\":[1],\"index\":\"1\"}", "{\"model\":\"d\",\"model\":\"e\",\"features\":[1]}"}) {
            assertThatThrownBy(() -> Sample.read(bytes(bad))).as(bad).isInstanceOf(ContractException.class);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
