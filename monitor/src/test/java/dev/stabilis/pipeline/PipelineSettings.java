package dev.stabilis.pipeline;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Settings of a test pipeline on the demo model (all but the bootstrap servers): its own topics and group ids, a light runner policy. */
final class PipelineSettings {

    private PipelineSettings() {}

    /**
     * @param prefix keeps the test's topics, application ids and groups apart from other tests on the same broker
     */
    static Map<String, String> of(String prefix) {
        Map<String, String> s = new HashMap<>();
        for (String topic : List.of("requests", "responses", "samples", "explanations", "alerts", "dlq")) {
            s.put("stabilis.topics." + topic, prefix + topic);
        }
        s.put("stabilis.models.repository", Path.of("..", "models").toString());
        s.put("stabilis.monitor.application.id", prefix + "stabilis");
        s.put("stabilis.runner.group.id", prefix + "runner");
        s.put("stabilis.runner.transactional.id", prefix + "runner-0");
        s.put("stabilis.runner.radius", "false");
        s.put("stabilis.runner.curvature.iterations", "0");
        s.put("stabilis.runner.include.attributions", "false");
        s.put("stabilis.runner.device", "cpu");
        // merged alerts flush a second after their first sample
        s.put("stabilis.detect.suppression.window.ms", "1000");
        s.put("stabilis.detect.suppression.check.interval.ms", "200");
        return s;
    }
}
