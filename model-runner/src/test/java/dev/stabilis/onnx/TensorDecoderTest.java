package dev.stabilis.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TensorDecoderTest {

    private static TensorProto raw(int type, ByteBuffer bytes) {
        return TensorProto.newBuilder().setName("t").setDataType(type).addDims(bytes.position() / sizeOf(type))
                .setRawData(ByteString.copyFrom(bytes.flip())).build();
    }

    private static int sizeOf(int type) {
        return switch (type) {
            case TensorDecoder.INT16, TensorDecoder.UINT16 -> 2;
            case TensorDecoder.UINT32 -> 4;
            default -> 8;
        };
    }

    private static ByteBuffer buffer() {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void unsignedIntegersKeepTheirValueAboveTheSignedRange() {
        assertThat(TensorDecoder.decode(raw(TensorDecoder.UINT64, buffer().putLong(-1L).putLong(7))).values())
                .containsExactly(18446744073709551615.0, 7);
        assertThat(TensorDecoder.decode(raw(TensorDecoder.UINT32, buffer().putInt(-1).putInt(4))).values())
                .containsExactly(4294967295.0, 4);
        assertThat(TensorDecoder.decode(raw(TensorDecoder.UINT16, buffer().putShort((short) -1))).values())
                .containsExactly(65535);
    }

    @Test
    void sixteenBitIntegersAreSigned() {
        assertThat(TensorDecoder.decode(raw(TensorDecoder.INT16, buffer().putShort((short) -2).putShort((short) 3))).values())
                .containsExactly(-2, 3);
    }

    @Test
    void typedFieldsHoldUnsignedValuesAsTheSpecificationSays() {
        TensorProto t = TensorProto.newBuilder().setName("t").setDataType(TensorDecoder.UINT32).addDims(2)
                .addUint64Data(4294967295L).addUint64Data(5).build();
        assertThat(TensorDecoder.decode(t).values()).containsExactly(4294967295.0, 5);
    }
}
