package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
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
    String input = args[2], output = args[3];
    long graceMs = Long.parseLong(args[7]);
    long windowMs = 60_000;

    Properties props = PeerRunner.config(args);

    TimestampExtractor eventTime = (record, partitionTime) -> parse((String) record.value()).get("unix_time").asLong() * 1000;
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(eventTime))
        .groupBy((key, value) -> parse(value).get("category").asText(), Grouped.with("transactions-by-category", Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(windowMs), Duration.ofMillis(graceMs)))
        .count(Materialized.as("counts-per-category"))
        .toStream()
        .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, windowMs), Serdes.Long()));

    PeerRunner.run(builder.build(), props, "category counts");
  }
}
