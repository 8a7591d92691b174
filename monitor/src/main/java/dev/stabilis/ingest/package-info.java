/**
 * Ingest of inference logs: the Kafka Streams {@link dev.stabilis.ingest.IngestTopology} that turns KServe
 * CloudEvents (binary and structured mode), Open Inference Protocol (KServe V2) JSON, KServe V1
 * {@code instances} and the plain {@code features} form into one {@link dev.stabilis.contract.Sample} per request
 * row, joined with the served output of the response, and sends every rejected record to the dead-letter topic
 * as a {@link dev.stabilis.deadletter.DeadLetter} with a machine-readable {@link dev.stabilis.ingest.RejectReason}.
 * Payload forms are detected from the bytes, never from a content type.
 */
package dev.stabilis.ingest;
