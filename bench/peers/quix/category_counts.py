"""Sluice's shipped category count (topologies/category-counts.ts) in Quix Streams, for the peers
benchmark (bench/peers.ts): transactions (JSON) counted per category per tumbling 60 s event-time
window, every update written to the output topic (key: the category, value: {start, end, value}).

Arguments: bootstrap, application id (the consumer group), input topic, output topic, state dir,
guarantee (at-least-once | exactly-once), commit interval in seconds, grace in ms.
"""
import sys
from datetime import timedelta

from quixstreams import Application


def main() -> None:
    bootstrap, group, input_topic, output_topic, state_dir, guarantee, commit_interval, grace_ms = sys.argv[1:9]
    app = Application(
        broker_address=bootstrap,
        consumer_group=group,
        auto_offset_reset="earliest",
        commit_interval=float(commit_interval),
        state_dir=state_dir,
        processing_guarantee=guarantee,
        loglevel="WARNING",
    )
    transactions = app.topic(
        input_topic,
        key_deserializer="string",
        value_deserializer="json",
        timestamp_extractor=lambda value, headers, timestamp, kind: int(value["unix_time"]) * 1000,
    )
    counts = app.topic(output_topic, key_serializer="string", value_serializer="json")
    sdf = app.dataframe(transactions)
    sdf = sdf.group_by("category", name="transactions-by-category", key_serializer="string", key_deserializer="string")
    sdf = sdf.tumbling_window(timedelta(seconds=60), grace_ms=int(grace_ms)).count().current()
    sdf.to_topic(counts)
    print(f"quix category counts started: {group}", flush=True)
    app.run()


if __name__ == "__main__":
    main()
