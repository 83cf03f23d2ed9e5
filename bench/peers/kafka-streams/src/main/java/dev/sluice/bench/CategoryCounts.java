package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Sluice's shipped category count (topologies/category-counts.ts) in Kafka Streams' DSL:
 * transactions (JSON) counted per category per tumbling 60 s event-time window.
 * Arguments: bootstrap, application id, input topic, output topic, state dir, guarantee
 * (at_least_once | exactly_once_v2), commit interval in ms (or "default"), grace in ms.
 */
public final class CategoryCounts {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode parse(String value) {
    try {
      return JSON.readTree(value);
    } catch (Exception e) {
      throw new IllegalArgumentException("not JSON: " + value, e);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String bootstrap = args[0], applicationId = args[1], input = args[2], output = args[3], stateDir = args[4], guarantee = args[5], commitInterval = args[6];
    long graceMs = Long.parseLong(args[7]);
    long windowMs = 60_000;

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    if (!commitInterval.equals("default")) props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval);
    props.put("auto.offset.reset", "earliest");

    TimestampExtractor eventTime = (record, partitionTime) -> parse((String) record.value()).get("unix_time").asLong() * 1000;
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(eventTime))
        .groupBy((key, value) -> parse(value).get("category").asText(), Grouped.with("transactions-by-category", Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(windowMs), Duration.ofMillis(graceMs)))
        .count(Materialized.as("counts-per-category"))
        .toStream()
        .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, windowMs), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }));
    streams.setUncaughtExceptionHandler(error -> {
      error.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
    });
    streams.start();
    System.out.println("kafka-streams category counts started: " + applicationId);
    stopped.await();
  }
}
