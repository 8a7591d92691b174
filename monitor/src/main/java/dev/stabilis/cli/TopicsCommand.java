package dev.stabilis.cli;

import dev.stabilis.app.KafkaAccess;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.ingest.IngestConfig;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code stabilis topics create|check}: the topics the monitor and the runner need, from their settings. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Create or check the topics of the configuration (stabilis.topics.*): requests, responses (while the "
                + "ingest joins), samples, explanations, alerts and the dead-letter topic.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.Check.class})
final class TopicsCommand implements Runnable {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: create or check");
    }

    /** Every topic of the deployment by setting key: the monitor's and the runner's. */
    static Map<String, String> wanted(StabilisConfig config) {
        Map<String, String> topics = new LinkedHashMap<>(Topics.monitor(config, IngestConfig.from(Map.of(
                IngestConfig.REQUESTS_TOPIC, config.required(IngestConfig.REQUESTS_TOPIC),
                IngestConfig.RESPONSES_TOPIC, config.required(IngestConfig.RESPONSES_TOPIC),
                IngestConfig.JOIN_ENABLED, config.required(IngestConfig.JOIN_ENABLED)))));
        topics.putAll(Topics.runner(config));
        return topics;
    }

    /** What both subcommands share: the configuration, a reachable cluster, one line per topic. */
    abstract static class Subcommand implements Callable<Integer> {

        @Mixin
        private ProcessOptions process;

        @Spec
        private picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            StabilisConfig config = process.load(Map.of());
            KafkaAccess.verify(config.kafka(), KafkaAccess.START_TIMEOUT);
            Map<String, String> wanted = wanted(config);
            Map<String, String> states = new LinkedHashMap<>();
            int code = run(config, wanted, states);
            PrintWriter out = spec.commandLine().getOut();
            wanted.forEach((key, name) -> out.printf("%-8s %s (%s)%n", states.get(key), name, key));
            out.flush();
            return code;
        }

        /** Does the work, puts each topic's state by setting key, returns the exit code. */
        abstract int run(StabilisConfig config, Map<String, String> wanted, Map<String, String> states);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create the missing topics with stabilis.topics.partitions, .replication.factor and .config; "
                    + "existing ones are left as they are.")
    static final class Create extends Subcommand {

        @Override
        int run(StabilisConfig config, Map<String, String> wanted, Map<String, String> states) {
            List<String> created = Topics.create(config, List.copyOf(wanted.values()));
            wanted.forEach((key, name) -> states.put(key, created.contains(name) ? "created" : "exists"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "List the topics and whether the cluster has them; exit code 5 when one is missing.")
    static final class Check extends Subcommand {

        @Override
        int run(StabilisConfig config, Map<String, String> wanted, Map<String, String> states) {
            Map<String, String> missing = Topics.missing(config.kafka(), wanted);
            wanted.forEach((key, name) -> states.put(key, missing.containsKey(key) ? "missing" : "exists"));
            return missing.isEmpty() ? ExitCodes.OK : ExitCodes.MISSING_TOPICS;
        }
    }
}
