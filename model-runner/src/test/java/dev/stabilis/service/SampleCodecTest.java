package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SampleCodecTest {

    @Test
    void readsTheSamplesContract() {
        Sample s = SampleCodec.parse(bytes("{\"requestId\":\"r1\",\"index\":2,\"model\":\"digits\",\"version\":\"1\",\"format\":\"KSERVE_V1\","
                + "\"features\":[0.5,1,0],\"servedClass\":3,\"servedOutput\":[3],\"receivedAt\":20,\"eventTime\":10}"));
        assertThat(s.requestId()).isEqualTo("r1");
        assertThat(s.index()).isEqualTo(2);
        assertThat(s.features()).containsExactly(0.5f, 1f, 0f);
        assertThat(s.servedClass()).isEqualTo(3);
        assertThat(s.eventTime()).isEqualTo(10);
        assertThat(s.receivedAt()).isEqualTo(20);
        Sample noResponse = SampleCodec.parse(bytes("{\"requestId\":\"r2\",\"model\":\"digits\",\"features\":[1],\"servedClass\":null}"));
        assertThat(noResponse.servedClass()).isNull();
        assertThat(noResponse.version()).isEqualTo("latest");
    }

    @Test
    void anythingElseIsAMalformedSample() {
        for (String bad : new String[] {"{", "[1,2]", "{\"model\":\"digits\"}", "{\"model\":\"digits\",\"features\":[]}",
                "{\"model\":\"digits\",\"features\":[\"a\"]}", "{\"features\":[1]}", "{\"model\":\"d\",\"features\":[1e39]}"}) {
            assertThatThrownBy(() -> SampleCodec.parse(bytes(bad))).as(bad).isInstanceOf(SampleException.class)
                    .extracting(e -> ((SampleException) e).reason()).isEqualTo("MALFORMED_SAMPLE");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
