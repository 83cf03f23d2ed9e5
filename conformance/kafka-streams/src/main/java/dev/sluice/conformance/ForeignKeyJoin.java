package dev.sluice.conformance;

import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.ValueJoiner;

/** Orders "<quantity>:<product>" joined with the products table by that foreign key (conformance/cases/foreign-key-join/). */
final class ForeignKeyJoin implements ConformanceCase {
  enum Kind { INNER, LEFT }

  private final Kind kind;

  ForeignKeyJoin(Kind kind) {
    this.kind = kind;
  }

  @Override
  public void build(StreamsBuilder builder, Map<String, String> inputs, String output, Map<String, Long> params) {
    Serde<String> strings = Serdes.String();
    KTable<String, String> orders = builder.table(inputs.get("orders"), Consumed.with(strings, strings));
    KTable<String, String> products = builder.table(inputs.get("products"), Consumed.with(strings, strings));
    Function<String, String> productOf = order -> {
      String product = order.substring(order.indexOf(':') + 1);
      return product.equals("none") ? null : product;
    };
    ValueJoiner<String, String, String> joiner = (order, product) -> order + "*" + (product == null ? "-" : product);
    KTable<String, String> joined = kind == Kind.INNER ? orders.join(products, productOf, joiner) : orders.leftJoin(products, productOf, joiner);
    joined.toStream().to(output, Produced.with(strings, strings));
  }
}
