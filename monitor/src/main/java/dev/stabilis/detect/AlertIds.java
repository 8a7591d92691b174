package dev.stabilis.detect;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Alert ids derived from the alert's cause (a name-based UUID of its parts), so replaying the same input yields the
 * same ids and subscribers can deduplicate.
 */
final class AlertIds {

    private AlertIds() {
    }

    static String of(AlertKind kind, ClassKey key, Object cause) {
        String name = String.join("\u001f", kind.name(), key.model(), key.version(),
                Integer.toString(key.predictedClass()), String.valueOf(cause));
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
