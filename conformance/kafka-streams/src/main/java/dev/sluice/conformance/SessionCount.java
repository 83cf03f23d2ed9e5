package dev.sluice.conformance;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;

/** Records per key per session (conformance/cases/session-count/). */
final class SessionCount implements ConformanceCase {
  @Override
  public void build(StreamsBuilder builder, Map<String, String> inputs, String output, Map<String, Long> params) {
    SessionWindows windows = SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(ConformanceCase.param(params, "gapMs")), Duration.ofMillis(ConformanceCase.param(params, "graceMs")));
    builder.stream(inputs.get("events"), Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey()
        .windowedBy(windows)
        .count()
        .toStream()
        .map((windowed, count) -> KeyValue.pair(ConformanceCase.windowedKey(windowed), count))
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
  }
}
