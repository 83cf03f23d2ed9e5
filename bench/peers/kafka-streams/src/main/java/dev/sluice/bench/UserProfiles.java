package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The peers benchmark's user-profiles workload (bench/peers/sluice-user-profiles.ts) in Kafka
 * Streams: per card a profile "count,sumCents" in a key-value store, one read and one write per
 * transaction; a transaction more than three times the card's mean so far, after at least
 * three, is written to the output topic (card number -> transaction number).
 * Arguments: bootstrap, application id, input topic, output topic, state dir, guarantee,
 * commit interval in ms (or "default").
 */
public final class UserProfiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  static final class Score implements Processor<String, String, String, String> {
    private ProcessorContext<String, String> context;
    private KeyValueStore<String, String> profiles;

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.profiles = context.getStateStore("profiles");
    }

    @Override
    public void process(Record<String, String> record) {
      JsonNode tx;
      try {
        tx = JSON.readTree(record.value());
      } catch (Exception e) {
        throw new IllegalArgumentException("not JSON: " + record.value(), e);
      }
      String card = tx.get("cc_num").asText();
      long cents = Math.round(tx.get("amt").asDouble() * 100);
      String profile = profiles.get(card);
      long count = 0, sum = 0;
      if (profile != null) {
        int comma = profile.indexOf(',');
        count = Long.parseLong(profile.substring(0, comma));
        sum = Long.parseLong(profile.substring(comma + 1));
      }
      boolean alert = count >= 3 && cents * count > 3 * sum;
      profiles.put(card, (count + 1) + "," + (sum + cents));
      if (alert) context.forward(record.withKey(card).withValue(tx.get("trans_num").asText()));
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String input = args[2], output = args[3];
    Properties props = PeerRunner.config(args);

    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("profiles"), Serdes.String(), Serdes.String()));
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .process(Score::new, "profiles")
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    PeerRunner.run(builder.build(), props, "user profiles");
  }
}
