package dev.stabilis.service;

import dev.stabilis.contract.ContractException;
import dev.stabilis.contract.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner service: consume-transform-produce from {@code stabilis.samples} to {@code stabilis.explanations}
 * with exactly-once transactions. Each micro-batch (up to {@code maxBatch} samples, or what arrived within
 * {@code maxWait} of its first, where the measured arrival rate expects more within it: {@link BatchWait}) is grouped
 * by model version and evaluated; a sample of the wrong size or outside the
 * policy's input domain is dead-lettered before, and when a group fails to evaluate, its samples are evaluated one by
 * one so that only those that fail are dead-lettered ({@code EVALUATION_FAILED}); its explanations, its dead letters
 * and its consumed offsets commit in one transaction; the samples of partitions a rebalance moves while a batch fills
 * leave it for their next owner ({@link FillingBatch}). A failed transaction is aborted and the consumer rewinds
 * to the committed offsets, so the batch is evaluated again; a fenced producer (another instance took over
 * the transactional id) stops the runner. {@link #close()} lets the batch in flight commit or abort, then stops.
 */
public final class ExplanationRunner implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExplanationRunner.class);

    private final RunnerSettings settings;
    private final BatchWait batchWait;
    private final ModelPipelines pipelines;
    private final PipelineOptions options;
    private final RunnerMetrics metrics;
    private final RepositoryWatch watch;
    private final PositionWatch positions;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final FillingBatch filling;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean started;
    private volatile boolean running = true;
    private volatile boolean ready;
    private volatile boolean stalled;

    /**
     * @param watch when to look at the model repository again: changed and new versions are validated and swapped in
     *     between batches ({@link ModelPipelines#refresh()})
     */
    public ExplanationRunner(RunnerSettings settings, ModelPipelines pipelines, PipelineOptions options, RunnerMetrics metrics,
            RepositoryWatch watch) {
        this.settings = settings;
        this.batchWait = new BatchWait(settings.maxWaitMillis() * 1_000_000L);
        this.pipelines = pipelines;
        this.options = options;
        this.metrics = metrics;
        this.watch = watch;
        this.positions = new PositionWatch(settings.positionTimeoutMillis());
        Properties consumerProps = new Properties();
        consumerProps.putAll(settings.kafka());
        consumerProps.put("group.id", settings.groupId());
        // static membership under the instance's own id: a restarted runner takes its partitions back at once
        // instead of waiting out the session of the member it replaces (45 s by default)
        consumerProps.putIfAbsent("group.instance.id", settings.transactionalId());
        consumerProps.put("enable.auto.commit", "false");
        consumerProps.put("isolation.level", "read_committed");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put("max.poll.records", Integer.toString(settings.maxBatch()));
        // read_committed data appears when the writer commits; a fetch should not sit out the 500 ms default
        consumerProps.putIfAbsent("fetch.max.wait.ms", "50");
        this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
        metrics.bind(consumer);
        Properties producerProps = new Properties();
        producerProps.putAll(settings.kafka());
        producerProps.put("transactional.id", settings.transactionalId());
        producerProps.put("enable.idempotence", "true");
        producerProps.put("linger.ms", "5");
        // an explanation record is ~9 KB: at the client's 16 KB default each producer batch held one, so committing a
        // micro-batch of 256 waited on ~50 sequential rounds of 5 in-flight requests (BENCHMARKS.md, "Producer batches")
        producerProps.putIfAbsent("batch.size", Integer.toString(256 * 1024));
        this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
        this.filling = new FillingBatch(this::handedOver);
    }

    /**
     * Whether the runner has joined its group and initialised its transactions, and has a position on each of its
     * partitions within the position timeout.
     */
    public boolean ready() {
        return ready && running && !stalled;
    }

    @Override
    public void run() {
        started = true;
        try {
            producer.initTransactions();
            consumer.subscribe(List.of(settings.samplesTopic()), filling);
            ready = true;
            while (running) {
                if (watch.due()) {
                    pipelines.refresh();
                }
                List<ConsumerRecord<String, byte[]>> batch = nextBatch();
                if (!batch.isEmpty()) {
                    process(batch);
                }
                watchPositions();
            }
        } catch (WakeupException e) {
            // close() asked us to stop between batches
        } catch (ProducerFencedException | InvalidProducerEpochException | FencedInstanceIdException e) {
            LOG.error("runner fenced: another instance uses transactional id '{}'; stopping", settings.transactionalId());
        } finally {
            ready = false;
            watch.close();
            producer.close(Duration.ofSeconds(10));
            // a static member stays in the group when it closes; a runner that stops on purpose hands its partitions on
            consumer.close(CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(10)));
            stopped.countDown();
        }
    }

    /**
     * Says loudly when an assigned partition has had no position for longer than the position timeout, and when it
     * has one again: the runner is then stalled on a transaction that holds its group's committed offsets.
     */
    private void watchPositions() {
        Set<TopicPartition> without = positions.stalled(consumer.assignment(), p -> consumer.currentLag(p).isPresent(), System.nanoTime());
        metrics.partitionsWithoutPosition(without.size());
        if (!without.isEmpty() && !stalled) {
            LOG.error("runner stalled: no position on {} of group '{}' for more than {} ms. A read_committed consumer waits"
                    + " for the transactions that hold its group's committed offsets, and one of them has not completed (a"
                    + " hanging transaction: find it with kafka-transactions.sh find-hanging and abort it). Not ready until"
                    + " then.", without, settings.groupId(), settings.positionTimeoutMillis());
        } else if (without.isEmpty() && stalled) {
            LOG.info("runner has a position on every partition again");
        }
        stalled = !without.isEmpty();
    }

    /**
     * The next micro-batch: waits for a first sample, then as long as {@link BatchWait} says for more. A rebalance
     * during the wait takes the records of the partitions it moves out of the batch ({@link FillingBatch}).
     */
    private List<ConsumerRecord<String, byte[]>> nextBatch() {
        filling.add(consumer.poll(Duration.ofMillis(200)));
        if (filling.size() == 0) {
            return List.of();
        }
        long start = System.nanoTime();
        long deadline = start + batchWait.startBatch(start);
        while (filling.size() < settings.maxBatch() && running) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                break;
            }
            filling.add(consumer.poll(Duration.ofMillis(left)));
        }
        batchWait.endBatch(filling.size());
        return filling.take();
    }

    private void handedOver(int samples) {
        LOG.info("a rebalance took partitions from this runner while it filled a batch: {} of their samples left the batch"
                + " for their next owner", samples);
        metrics.samplesHandedOver(samples);
    }

    private void process(List<ConsumerRecord<String, byte[]>> batch) {
        try {
            producer.beginTransaction();
            for (ProducerRecord<String, byte[]> out : evaluate(batch)) {
                producer.send(out);
            }
            producer.sendOffsetsToTransaction(offsets(batch), consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException | FencedInstanceIdException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("transaction aborted, the batch of {} samples will be evaluated again: {}", batch.size(), e.getMessage());
            metrics.abortedTransaction();
            producer.abortTransaction();
            rewind();
        }
    }

    /** Explanations and dead letters for a batch, grouped by model version. */
    private List<ProducerRecord<String, byte[]>> evaluate(List<ConsumerRecord<String, byte[]>> batch) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(batch.size());
        Map<String, List<Parsed>> byModel = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : batch) {
            try {
                Sample sample = Sample.read(record.value());
                byModel.computeIfAbsent(sample.model() + "/" + sample.version(), k -> new ArrayList<>()).add(new Parsed(record, sample));
            } catch (ContractException e) {
                out.add(deadLetter(record, null, new SampleException("MALFORMED_SAMPLE", "sample: " + e.getMessage())));
            }
        }
        for (List<Parsed> group : byModel.values()) {
            evaluateGroup(group, out);
        }
        return out;
    }

    private record Parsed(ConsumerRecord<String, byte[]> record, Sample sample) {}

    private void evaluateGroup(List<Parsed> group, List<ProducerRecord<String, byte[]>> out) {
        Sample head = group.get(0).sample();
        ModelPipeline pipeline;
        try {
            pipeline = pipelines.get(head.model(), head.version());
        } catch (SampleException e) {
            group.forEach(p -> out.add(deadLetter(p.record(), p.sample().requestId(), e)));
            return;
        }
        List<Parsed> valid = new ArrayList<>(group.size());
        for (Parsed p : group) {
            SampleException invalid = pipeline.invalid(p.sample().features());
            if (invalid == null) {
                valid.add(p);
            } else {
                out.add(deadLetter(p.record(), p.sample().requestId(), invalid));
            }
        }
        if (valid.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<IsolatedEvaluation.Outcome> outcomes = evaluate(valid, pipeline);
        long nanos = System.nanoTime() - start;
        metrics.batch(pipeline.loaded().name(), valid.size(), nanos);
        long now = System.currentTimeMillis();
        double perSampleMs = nanos / 1e6 / valid.size();
        for (int i = 0; i < valid.size(); i++) {
            Parsed parsed = valid.get(i);
            Sample sample = parsed.sample();
            IsolatedEvaluation.Outcome outcome = outcomes.get(i);
            if (outcome.failure() != null) {
                // not retried: a sample that breaks the engine would otherwise block the partition for ever
                LOG.error("evaluation of {}#{} of {}/{} failed", sample.requestId(), sample.index(), pipeline.loaded().name(),
                        pipeline.loaded().version(), outcome.failure());
                out.add(deadLetter(parsed.record(), sample.requestId(), new SampleException("EVALUATION_FAILED",
                        "evaluation failed: " + outcome.failure())));
                continue;
            }
            Evaluation e = outcome.evaluation();
            metrics.sample(pipeline.loaded().name(), pipeline.loaded().version(), pipeline.certificateMethod(), sample, e, now);
            if (e.invariantViolation() != null) {
                LOG.error("certificate invariant violated for {}#{} of {}/{}: {}", sample.requestId(), sample.index(),
                        pipeline.loaded().name(), pipeline.loaded().version(), e.invariantViolation());
            }
            out.add(new ProducerRecord<>(settings.explanationsTopic(), pipeline.loaded().name(),
                    explanationRecord(sample, e, pipeline, now, perSampleMs)));
        }
    }

    /**
     * The explanation record's bytes; without its per-feature vectors when with them it would exceed the runner's
     * record size limit (a large image model), so that the producer never refuses it.
     */
    private byte[] explanationRecord(Sample sample, Evaluation e, ModelPipeline pipeline, long now, double perSampleMs) {
        byte[] json = ExplanationRecords.of(sample, e, pipeline, options.includeAttributions(), now, perSampleMs).toJson();
        if (json.length <= settings.maxRecordBytes()) {
            return json;
        }
        metrics.vectorsOmitted(pipeline.loaded().name());
        return ExplanationRecords.withoutVectors(sample, e, pipeline, now, perSampleMs, "with its vectors the record took "
                + json.length + " bytes, more than the runner's limit of " + settings.maxRecordBytes()
                + " (stabilis.runner.explanation.max.bytes)").toJson();
    }

    /**
     * The outcomes of the group's samples in their order: those the policy's sampling picks get the full analysis,
     * the others their attributions, each part isolated so one failing sample fails alone.
     */
    private static List<IsolatedEvaluation.Outcome> evaluate(List<Parsed> valid, ModelPipeline pipeline) {
        List<Integer> full = new ArrayList<>();
        List<Integer> light = new ArrayList<>();
        for (int i = 0; i < valid.size(); i++) {
            Sample s = valid.get(i).sample();
            (pipeline.fullyAnalysed(s.requestId(), s.index()) ? full : light).add(i);
        }
        IsolatedEvaluation.Outcome[] out = new IsolatedEvaluation.Outcome[valid.size()];
        evaluate(valid, full, pipeline::evaluate, out);
        evaluate(valid, light, pipeline::attribute, out);
        return List.of(out);
    }

    private static void evaluate(List<Parsed> valid, List<Integer> indices, Function<float[][], List<Evaluation>> evaluation,
            IsolatedEvaluation.Outcome[] out) {
        if (indices.isEmpty()) {
            return;
        }
        float[][] rows = indices.stream().map(i -> valid.get(i).sample().features()).toArray(float[][]::new);
        List<IsolatedEvaluation.Outcome> outcomes = IsolatedEvaluation.of(rows, evaluation);
        for (int i = 0; i < indices.size(); i++) {
            out[indices.get(i)] = outcomes.get(i);
        }
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> record, String requestId, SampleException e) {
        metrics.deadLetter(e.reason());
        return DeadLetterRecords.of(settings.deadLetterTopic(), record, requestId, e.reason(), e.getMessage());
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(List<ConsumerRecord<String, byte[]>> batch) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : batch) {
            next.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return next;
    }

    /** Moves every assigned partition back to its committed offset (or the beginning when none). */
    private void rewind() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata offset = committed.get(tp);
            if (offset == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, offset.offset());
            }
        }
    }

    /** Stops after the batch in flight and waits for the consumer and producer to close. */
    @Override
    public void close() {
        running = false;
        if (!started) {
            producer.close(Duration.ZERO);
            consumer.close(Duration.ZERO);
            return;
        }
        consumer.wakeup();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
