package dev.stabilis.app;

import dev.stabilis.config.ConfigException;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.engine.Devices;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.service.ClassLabels;
import dev.stabilis.service.ExplanationRunner;
import dev.stabilis.service.ModelPipelines;
import dev.stabilis.service.PipelineOptions;
import dev.stabilis.service.RepositoryWatch;
import dev.stabilis.service.RunnerMetrics;
import dev.stabilis.service.RunnerSettings;
import io.micrometer.core.instrument.MeterRegistry;
import ai.djl.Device;

/** The runner process's parts, built from the configuration: model pipelines and the exactly-once loop. */
public final class RunnerApp implements AutoCloseable {

    private final ModelPipelines pipelines;
    private final ExplanationRunner runner;
    private final Thread thread;

    /**
     * Checks the configuration and that Kafka accepts the client settings ({@link KafkaAccess}), then builds the
     * runner; {@link #start()} runs it.
     */
    public RunnerApp(StabilisConfig config, MeterRegistry registry) {
        Device device = Devices.resolve(config.required("stabilis.runner.device"));
        PipelineOptions options = new PipelineOptions(config.flag("stabilis.runner.include.attributions"),
                config.flag("stabilis.runner.certify"), config.flag("stabilis.runner.certify") && config.flag("stabilis.runner.radius"),
                config.flag("stabilis.runner.attack"), config.integer("stabilis.runner.curvature.iterations", 0, 1000),
                config.integer("stabilis.runner.pass.memory.mb", 1, 1 << 20) * (1L << 20));
        RunnerSettings settings = new RunnerSettings(config.kafka(), config.required("stabilis.topics.samples"),
                config.required("stabilis.topics.explanations"), config.required("stabilis.topics.dlq"),
                config.required("stabilis.runner.group.id"), config.required("stabilis.runner.transactional.id"),
                config.integer("stabilis.runner.max.batch", 1, 1 << 16), config.number("stabilis.runner.max.wait.ms"),
                config.integer("stabilis.runner.explanation.max.bytes", 4096, Integer.MAX_VALUE),
                config.integer("stabilis.runner.position.timeout.ms", 1, Integer.MAX_VALUE));
        ClassLabels classLabels = config.classLabels("stabilis.runner.metrics.class.label");
        ModelRepository repository = new ModelRepository(config.directory("stabilis.models.repository"));
        KafkaAccess.verify(config.kafka(), KafkaAccess.START_TIMEOUT);
        Topics.requireExisting(config.kafka(), Topics.runner(config), "runner");
        RunnerMetrics metrics = new RunnerMetrics(registry, deviceLabel(device), classLabels);
        this.pipelines = new ModelPipelines(repository, device, options, config.integer("stabilis.runner.models.open", 1, 1024),
                config.number("stabilis.runner.model.retry.ms"), System::nanoTime, metrics);
        RepositoryWatch watch;
        try {
            watch = RepositoryWatch.of(config.required("stabilis.runner.models.watch"), repository.root(),
                    config.number("stabilis.runner.models.poll.ms"), System::nanoTime);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("setting 'stabilis.runner.models.watch' " + e.getMessage());
        }
        this.runner = new ExplanationRunner(settings, pipelines, options, metrics, watch);
        this.thread = new Thread(runner, "stabilis-runner");
    }

    /** The device as the {@code device} label writes it: {@code cpu}, {@code gpu:0}, ... (not DJL's {@code cpu()}). */
    static String deviceLabel(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : device.getDeviceType();
    }

    public void start() {
        thread.start();
    }

    /** Whether the runner has joined its group and initialised its transactions. */
    public boolean ready() {
        return runner.ready();
    }

    /** Whether the runner loop has ended (it stops when fenced). */
    public boolean stopped() {
        return thread.getState() == Thread.State.TERMINATED;
    }

    @Override
    public void close() {
        runner.close();
        pipelines.close();
    }
}
