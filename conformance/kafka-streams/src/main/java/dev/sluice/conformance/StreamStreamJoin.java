package dev.sluice.conformance;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.ValueJoiner;

/** A windowed join of two streams, inner, left or outer (conformance/cases/stream-stream-join/). */
final class StreamStreamJoin implements ConformanceCase {
  enum Kind { INNER, LEFT, OUTER }

  private final Kind kind;

  StreamStreamJoin(Kind kind) {
    this.kind = kind;
  }

  /** "-" for a missing side, as the Sluice joiner writes undefined. */
  private static String side(String value) {
    return value == null ? "-" : value;
  }

  @Override
  public void build(StreamsBuilder builder, Map<String, String> inputs, String output, Map<String, Long> params) {
    Serde<String> strings = Serdes.String();
    KStream<String, String> left = builder.stream(inputs.get("left"), Consumed.with(strings, strings));
    KStream<String, String> right = builder.stream(inputs.get("right"), Consumed.with(strings, strings));
    JoinWindows windows = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(ConformanceCase.param(params, "timeDifferenceMs")), Duration.ofMillis(ConformanceCase.param(params, "graceMs")));
    ValueJoiner<String, String, String> joiner = (l, r) -> side(l) + "+" + side(r);
    StreamJoined<String, String, String> joined = StreamJoined.with(strings, strings, strings);
    KStream<String, String> result = switch (kind) {
      case INNER -> left.join(right, joiner, windows, joined);
      case LEFT -> left.leftJoin(right, joiner, windows, joined);
      case OUTER -> left.outerJoin(right, joiner, windows, joined);
    };
    result.to(output, Produced.with(strings, strings));
  }
}
