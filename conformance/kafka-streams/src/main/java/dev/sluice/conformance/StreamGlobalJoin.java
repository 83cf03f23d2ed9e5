package dev.sluice.conformance;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KeyValueMapper;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.ValueJoiner;

/** Orders "<id>:<product>" joined with a global products table (conformance/cases/stream-global-join/). */
final class StreamGlobalJoin implements ConformanceCase {
  enum Kind { INNER, LEFT }

  private final Kind kind;

  StreamGlobalJoin(Kind kind) {
    this.kind = kind;
  }

  @Override
  public void build(StreamsBuilder builder, Map<String, String> inputs, String output, Map<String, Long> params) {
    Serde<String> strings = Serdes.String();
    GlobalKTable<String, String> products = builder.globalTable(inputs.get("products"), Consumed.with(strings, strings));
    KStream<String, String> orders = builder.stream(inputs.get("orders"), Consumed.with(strings, strings));
    KeyValueMapper<String, String, String> productOf = (key, order) -> {
      String product = order.substring(order.indexOf(':') + 1);
      return product.equals("none") ? null : product;
    };
    ValueJoiner<String, String, String> joiner = (order, product) -> order + "|" + (product == null ? "-" : product);
    KStream<String, String> joined = kind == Kind.INNER ? orders.join(products, productOf, joiner) : orders.leftJoin(products, productOf, joiner);
    joined.to(output, Produced.with(strings, strings));
  }
}
