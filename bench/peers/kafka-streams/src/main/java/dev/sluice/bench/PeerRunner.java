package dev.sluice.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/** What every peer program shares: its configuration from the bench's arguments, and running until SIGTERM. */
final class PeerRunner {
  private PeerRunner() {}

  /** Arguments: bootstrap, application id, input, output, state dir, guarantee, commit interval in ms (or "default"). */
  static Properties config(String[] args) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[5]);
    if (!args[6].equals("default")) props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args[6]);
    props.put("auto.offset.reset", "earliest");
    return props;
  }

  /** Runs until the JVM is told to stop (the bench's SIGTERM), closing cleanly; an error stops the application. */
  static void run(Topology topology, Properties props, String what) throws InterruptedException {
    KafkaStreams streams = new KafkaStreams(topology, props);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }));
    streams.setUncaughtExceptionHandler(error -> {
      error.printStackTrace();
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
    });
    streams.start();
    System.out.println("kafka-streams " + what + " started: " + props.get(StreamsConfig.APPLICATION_ID_CONFIG));
    stopped.await();
  }
}
