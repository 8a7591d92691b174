package dev.stabilis.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.service.ModelPipeline;
import dev.stabilis.service.PipelineOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The runner's pipeline alone ({@link PipelineBenchmark}'s first phase, no Kafka): {@link ModelPipeline#evaluate} with
 * every analysis on (attributions, certificates with the radius search, attack with noise and thickness, curvature)
 * on micro-batches of stable held-out digits of the demo model. It uses only API that existed on 2026-11-24, so the
 * same source compiles against an old build for an A/B ({@code bench/runner-alone-ab.sh}). Arguments: {@code models}
 * (repository, models), {@code batch} (256), {@code warmup} (10), {@code timed} (9 batches; the median gives
 * samples/s, and samples per second of the thread's CPU time), {@code torch-threads} (1, as the demo), {@code out} (result
 * JSON; none: print only).
 */
public final class RunnerAloneBenchmark {

    private RunnerAloneBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path models = Path.of(opts.getOrDefault("models", "models"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "256"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "10"));
        int timed = Integer.parseInt(opts.getOrDefault("timed", "9"));
        int threads = Integer.parseInt(opts.getOrDefault("torch-threads", "1"));
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        DemoPools pools = DemoPools.judge(new ModelRepository(models), "digits", "latest");
        double[] perSecond = run(models, pools, batch, warmup, timed);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("torchThreads", threads);
        result.put("batch", batch);
        result.put("warmupBatches", warmup);
        result.put("timedBatches", timed);
        result.put("runnerSamplesPerSecond", perSecond[0]);
        result.put("runnerSamplesPerCpuSecond", perSecond[1]);
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        if (opts.containsKey("out")) {
            java.nio.file.Files.writeString(Path.of(opts.get("out")), json);
        }
        System.out.println(json);
    }

    /**
     * Samples/s of the runner's pipeline on batches of {@code batch} stable digits: {@code warmup} batches (the JIT needs
     * a few before times settle), then {@code batch} over the median of {@code timed} batches.
     */
    static double samplesPerSecond(Path models, DemoPools pools, int batch, int warmup, int timed) {
        return run(models, pools, batch, warmup, timed)[0];
    }

    /**
     * {@link #samplesPerSecond} and, from the same batches, samples per second of the calling thread's CPU time: with one
     * PyTorch thread every kernel runs on that thread, so the second figure counts the pipeline's work without the
     * time it waited for a core (the machine is shared).
     */
    static double[] run(Path models, DemoPools pools, int batch, int warmup, int timed) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        float[][] rows = new float[batch][];
        for (int i = 0; i < batch; i++) {
            rows[i] = pools.stable().get(i % pools.stable().size());
        }
        PipelineOptions everything = new PipelineOptions(true, true, true, true, 20);
        try (ModelPipeline pipeline = new ModelPipeline(new ModelRepository(models).load("digits", "latest", Device.cpu()), everything)) {
            for (int i = 0; i < warmup; i++) {
                pipeline.evaluate(rows);
            }
            long[] nanos = new long[timed];
            long[] cpu = new long[timed];
            for (int i = 0; i < nanos.length; i++) {
                long start = System.nanoTime();
                long startCpu = threads.getCurrentThreadCpuTime();
                pipeline.evaluate(rows);
                cpu[i] = threads.getCurrentThreadCpuTime() - startCpu;
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            Arrays.sort(cpu);
            return new double[] {batch / (nanos[nanos.length / 2] / 1e9), batch / (cpu[cpu.length / 2] / 1e9)};
        }
    }
}
