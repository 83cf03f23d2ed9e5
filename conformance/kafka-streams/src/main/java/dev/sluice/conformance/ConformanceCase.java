package dev.sluice.conformance;

import java.util.Map;
import org.apache.kafka.streams.StreamsBuilder;

/** One conformance case's topology in Kafka Streams' DSL (its Sluice twin lives under conformance/cases/). */
interface ConformanceCase {
  /**
   * Adds the case's topology to the builder.
   *
   * @param inputs the case's input topics by their logical names ("events", "left", ...)
   * @param output the topic the results go to
   * @param params the case's numeric parameters (window sizes, grace periods), the same the Sluice side gets
   */
  void build(StreamsBuilder builder, Map<String, String> inputs, String output, Map<String, Long> params);

  /** A parameter the runner must have passed. */
  static long param(Map<String, Long> params, String name) {
    Long value = params.get(name);
    if (value == null) throw new IllegalArgumentException("missing parameter " + name);
    return value;
  }

  /** A windowed key as the plain string both sides write: key@start-end. */
  static String windowedKey(org.apache.kafka.streams.kstream.Windowed<String> windowed) {
    return windowed.key() + "@" + windowed.window().start() + "-" + windowed.window().end();
  }
}
