package dev.stabilis.ingest;

import dev.stabilis.contract.JsonSerde;
import dev.stabilis.contract.Sample;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.StreamJoined;

/**
 * The ingest topology: inference log records in, one {@link Sample} per request row out to the samples topic
 * (keyed by model, spread over its partitions by sample id: {@link SamplePartitioner}), and every rejected record out to the dead-letter topic as a {@link dev.stabilis.contract.DeadLetter}.
 *
 * <p>Each record is classified ({@link RecordClassifier}): a request is parsed, resolved against the
 * {@link ModelCatalog} and checked against the model's input; a response is parsed for its served output.
 *
 * <p><b>Join.</b> KServe gives a request and its response the same id but no record key, and may log the
 * response first. Both sides are therefore re-keyed by id, repartitioned ({@code ingest-requests-by-id},
 * {@code ingest-responses-by-id}) and outer-joined within {@link IngestConfig#joinWindow()} plus
 * {@link IngestConfig#joinGrace()} ({@code ingest-join} stores). A request is emitted as soon as its response
 * arrives, in either order. <em>Latency consequence:</em> a request whose response never comes (KServe logs
 * responses only for HTTP 200) is emitted, with {@code servedClass} null, only when its window closes, that is
 * once stream time (the latest time the join has seen on that partition) passes the request's
 * time plus window plus grace. The join's times are when the exchange was logged (the CloudEvent {@code time}, capped
 * at the record timestamp: {@link ClassifyProcessor#joinTime}), so a request and a response delivered apart still
 * meet. Stream time moves only with new records, so on a quiet partition the request waits for later traffic, and
 * Kafka Streams checks for closed windows at most once per second of wall time. A response whose request never comes
 * is dead-lettered as {@code UNMATCHED_RESPONSE} once stream time passes its timestamp plus the deduplication
 * retention ({@link IngestConfig#dedupRetention}); one outcome per request id leaves the join
 * ({@link FirstOutcomeProcessor}). With the join disabled,
 * samples are emitted at once with no served output and responses are skipped.
 */
public final class IngestTopology {

    private final IngestConfig config;
    private final IngestFilters filters;
    private final ModelCatalog catalog;
    private final IngestListener listener;

    public IngestTopology(IngestConfig config, ModelCatalog catalog) {
        this(config, IngestFilters.defaults(), catalog, IngestListener.NONE);
    }

    /**
     * @param filters which records are Stabilis' to judge; the others are skipped and told to the listener
     */
    public IngestTopology(IngestConfig config, IngestFilters filters, ModelCatalog catalog, IngestListener listener) {
        this.config = config;
        this.filters = filters;
        this.catalog = catalog;
        this.listener = listener;
    }

    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        RecordClassifier classifier = new RecordClassifier(catalog, filters, config.maxPayloadBytes(), config.maxHeaderBytes());
        KStream<byte[], byte[]> source = builder.stream(config.sourceTopics(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ingest-source"));
        if (filters.seldon().pattern() != null) {
            source = source.merge(builder.stream(filters.seldon().pattern(),
                    Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ingest-source-seldon")), Named.as("ingest-sources"));
        }
        Map<String, KStream<String, IngestEvent>> events = source
                .process(() -> new ClassifyProcessor(classifier), Named.as("ingest-classify"))
                .split(Named.as("ingest-kind-"))
                .branch((id, event) -> event instanceof Rejection, Branched.as("rejected"))
                .branch((id, event) -> event instanceof ValidRequest, Branched.as("request"))
                .branch((id, event) -> event instanceof ServedResponse, Branched.as("response"))
                .branch((id, event) -> event instanceof Skipped, Branched.as("skipped"))
                .noDefaultBranch();
        events.get("ingest-kind-skipped").foreach((id, event) -> listener.skipped(((Skipped) event).reason()),
                Named.as("ingest-count-skipped"));
        KStream<String, Rejection> rejections = events.get("ingest-kind-rejected")
                .mapValues(Rejection.class::cast, Named.as("ingest-rejections"));
        KStream<String, ValidRequest> requests = events.get("ingest-kind-request")
                .mapValues(ValidRequest.class::cast, Named.as("ingest-requests"));

        deadLetter(rejections, "ingest-dead-letter");

        KStream<String, RequestWithResponse> outcomes;
        if (config.joinEnabled()) {
            KStream<String, ServedResponse> responses = events.get("ingest-kind-response")
                    .mapValues(ServedResponse.class::cast, Named.as("ingest-responses"));
            outcomes = join(requests, responses);
            deadLetter(outcomes.flatMapValues(o -> o.responseRejection().stream().toList(), Named.as("ingest-response-rejections")),
                    "ingest-response-dead-letter");
        } else {
            outcomes = requests.mapValues(request -> new RequestWithResponse(request, null), Named.as("ingest-unjoined"));
        }
        outcomes.flatMap((id, outcome) -> outcome.samples().stream().map(s -> KeyValue.pair(s.model(), s)).toList(),
                        Named.as("ingest-split-rows"))
                .to(config.samplesTopic(), Produced.with(Serdes.String(), new JsonSerde<>(Sample.class))
                        .withStreamPartitioner(new SamplePartitioner()).withName("ingest-samples"));
        return builder.build();
    }

    private void deadLetter(KStream<String, Rejection> rejections, String name) {
        rejections.process(() -> new DeadLetterProcessor(config.maxPayloadBytes(), config.maxHeaderBytes()), Named.as(name))
                .to(config.dlqTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-sink"));
    }

    private KStream<String, RequestWithResponse> join(KStream<String, ValidRequest> requests,
            KStream<String, ServedResponse> responses) {
        JsonSerde<ValidRequest> requestSerde = new JsonSerde<>(ValidRequest.class);
        JsonSerde<ServedResponse> responseSerde = new JsonSerde<>(ServedResponse.class);
        KStream<String, ValidRequest> requestsById = requests.repartition(Repartitioned
                .<String, ValidRequest>as("ingest-requests-by-id").withKeySerde(Serdes.String()).withValueSerde(requestSerde));
        KStream<String, ServedResponse> responsesById = responses.repartition(Repartitioned
                .<String, ServedResponse>as("ingest-responses-by-id").withKeySerde(Serdes.String()).withValueSerde(responseSerde));
        return requestsById.outerJoin(responsesById, RequestWithResponse::new,
                JoinWindows.ofTimeDifferenceAndGrace(config.joinWindow(), config.joinGrace()),
                StreamJoined.with(Serdes.String(), requestSerde, responseSerde)
                        .withName("ingest-join").withStoreName("ingest-join"))
                .process(FirstOutcomeProcessor.supplier(config.joinWindow(), config.joinGrace(), config.dedupRetention()),
                        Named.as("ingest-first-outcome"));
    }
}
