package dev.sluice.conformance;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Runs one conformance case on Kafka Streams until told to stop (standard input closes, or
 * SIGTERM). Arguments: case, bootstrap servers, application id, state dir, output topic, then
 * any number of in.NAME=TOPIC (the case's inputs) and param.NAME=LONG (its parameters).
 */
public final class Main {
  private static final Map<String, ConformanceCase> CASES = Map.ofEntries(
      Map.entry("session-count", new SessionCount()),
      Map.entry("sliding-count", new SlidingCount()),
      Map.entry("stream-stream-inner-join", new StreamStreamJoin(StreamStreamJoin.Kind.INNER)),
      Map.entry("stream-stream-left-join", new StreamStreamJoin(StreamStreamJoin.Kind.LEFT)),
      Map.entry("stream-stream-outer-join", new StreamStreamJoin(StreamStreamJoin.Kind.OUTER)),
      Map.entry("table-table-inner-join", new TableTableJoin(TableTableJoin.Kind.INNER)),
      Map.entry("table-table-left-join", new TableTableJoin(TableTableJoin.Kind.LEFT)),
      Map.entry("table-table-outer-join", new TableTableJoin(TableTableJoin.Kind.OUTER)),
      Map.entry("stream-global-inner-join", new StreamGlobalJoin(StreamGlobalJoin.Kind.INNER)),
      Map.entry("stream-global-left-join", new StreamGlobalJoin(StreamGlobalJoin.Kind.LEFT)),
      Map.entry("foreign-key-inner-join", new ForeignKeyJoin(ForeignKeyJoin.Kind.INNER)),
      Map.entry("foreign-key-left-join", new ForeignKeyJoin(ForeignKeyJoin.Kind.LEFT)));

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 5) throw new IllegalArgumentException("usage: Main <case> <bootstrap> <application id> <state dir> <output> [in.NAME=TOPIC ...] [param.NAME=LONG ...]");
    ConformanceCase conformanceCase = CASES.get(args[0]);
    if (conformanceCase == null) throw new IllegalArgumentException("unknown case " + args[0] + " (known: " + CASES.keySet() + ")");
    Map<String, String> inputs = new HashMap<>();
    Map<String, Long> params = new HashMap<>();
    for (int i = 5; i < args.length; i++) {
      String[] pair = args[i].split("=", 2);
      if (pair.length != 2) throw new IllegalArgumentException("not NAME=VALUE: " + args[i]);
      if (pair[0].startsWith("in.")) inputs.put(pair[0].substring(3), pair[1]);
      else if (pair[0].startsWith("param.")) params.put(pair[0].substring(6), Long.parseLong(pair[1]));
      else throw new IllegalArgumentException("neither in.NAME nor param.NAME: " + args[i]);
    }

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[2]);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[3]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    // Commits (and so cache flushes) often, so that "all input committed" comes soon after the last record.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put("auto.offset.reset", "earliest");
    // No record cache: with one, a session store hands out sessions its persistent store has
    // already expired for as long as they sit in the cache, so whether an out-of-order record
    // merges into a closed session would depend on when the cache was last flushed. Without it
    // every update is forwarded; the runner compares the last per key.
    // (-Dconformance.recordCache=true keeps the default cache, to show that.)
    if (!Boolean.getBoolean("conformance.recordCache")) props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
    // Left and outer stream-stream joins look for unmatched records to emit at most once per this
    // interval of wall-clock time (1 s by default): 0 makes every record that advances stream time
    // look, so what is emitted depends on the input alone, as in Sluice.
    props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX, 0L);

    StreamsBuilder builder = new StreamsBuilder();
    conformanceCase.build(builder, inputs, args[4], params);
    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    streams.setUncaughtExceptionHandler(error -> {
      error.printStackTrace();
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    // Leaves the group on close (Kafka Streams stays by default until the session times out), so the runner can delete it.
    Thread closer = new Thread(() -> streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30))));
    Runtime.getRuntime().addShutdownHook(closer);
    streams.start();
    System.out.println("kafka-streams conformance case " + args[0] + " started: " + args[2]);
    // The runner closes standard input to stop it (and a runner that dies closes it too).
    try {
      while (System.in.read() != -1) {
        // Nothing is read from it: it only says when to stop.
      }
    } catch (IOException e) {
      // Treated as closed.
    }
    System.exit(0);
  }
}
