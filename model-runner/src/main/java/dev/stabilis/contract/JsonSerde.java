package dev.stabilis.contract;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A Kafka serde through {@link ContractJson}, for topic records, repartition topics and state stores. */
public final class JsonSerde<T> implements Serde<T> {

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : ContractJson.write(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return ContractJson.read(bytes, type);
            } catch (ContractException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic + ": " + e.getMessage());
            }
        };
    }
}
