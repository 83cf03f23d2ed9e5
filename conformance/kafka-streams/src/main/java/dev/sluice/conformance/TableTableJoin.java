package dev.sluice.conformance;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.ValueJoiner;

/** A join of two tables, inner, left or outer (conformance/cases/table-table-join/). */
final class TableTableJoin implements ConformanceCase {
  enum Kind { INNER, LEFT, OUTER }

  private final Kind kind;

  TableTableJoin(Kind kind) {
    this.kind = kind;
  }

  private static String side(String value) {
    return value == null ? "-" : value;
  }

  @Override
  public void build(StreamsBuilder builder, Map<String, String> inputs, String output, Map<String, Long> params) {
    Serde<String> strings = Serdes.String();
    KTable<String, String> left = builder.table(inputs.get("left"), Consumed.with(strings, strings));
    KTable<String, String> right = builder.table(inputs.get("right"), Consumed.with(strings, strings));
    ValueJoiner<String, String, String> joiner = (l, r) -> side(l) + "*" + side(r);
    KTable<String, String> result = switch (kind) {
      case INNER -> left.join(right, joiner);
      case LEFT -> left.leftJoin(right, joiner);
      case OUTER -> left.outerJoin(right, joiner);
    };
    result.toStream().to(output, Produced.with(strings, strings));
  }
}
