import type { ParseArgsConfig } from 'node:util'
import { MAX_PAGE_LIMIT } from '../state/query/store-pages.js'

type Options = NonNullable<ParseArgsConfig['options']>

const STATE_DIR = { 'state-dir': { type: 'string' } } as const
const BROKERS = { brokers: { type: 'string' } } as const

/** The options each command accepts: anything else is an error naming it, not silently ignored. */
export const COMMAND_OPTIONS = {
  describe: { dot: { type: 'boolean' }, mermaid: { type: 'boolean' } },
  store: {
    ...STATE_DIR,
    ...BROKERS,
    backend: { type: 'string' },
    url: { type: 'string' },
    json: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    'query-token': { type: 'string' },
  },
  run: {
    ...BROKERS,
    ...STATE_DIR,
    guarantee: { type: 'string' },
    'offset-reset': { type: 'string' },
    'dead-letter-topic': { type: 'string' },
    'commit-interval': { type: 'string' },
    'update-cache': { type: 'string' },
    'update-cache-bytes': { type: 'string' },
    'store-cache-bytes': { type: 'string' },
    'send-buffer-bytes': { type: 'string' },
    'session-timeout': { type: 'string' },
    'max-future-timestamp-skew': { type: 'string' },
    backend: { type: 'string' },
    sink: { type: 'string', multiple: true },
    notify: { type: 'string', multiple: true },
    'query-port': { type: 'string' },
    'query-token': { type: 'string' },
    'query-allowed-hosts': { type: 'string' },
    'metrics-port': { type: 'string' },
    'metrics-host': { type: 'string' },
    'console-port': { type: 'string' },
    'console-host': { type: 'string' },
  },
  sink: { 'metrics-port': { type: 'string' } },
  notify: { 'metrics-port': { type: 'string' } },
  reset: { ...BROKERS, ...STATE_DIR, yes: { type: 'boolean' } },
} as const satisfies { [command: string]: Options }

export type TopologyCommand = keyof typeof COMMAND_OPTIONS

export function isTopologyCommand(command: string): command is TopologyCommand {
  return Object.hasOwn(COMMAND_OPTIONS, command)
}

const RUN_OPTIONS = `Options (environment variable in brackets; flags win):
  --brokers host:port,...       Kafka bootstrap brokers [SLUICE_BROKERS] (default localhost:9092)
  --state-dir dir               local state root [SLUICE_STATE_DIR] (default state)
  --guarantee g                 at_least_once | exactly_once [SLUICE_GUARANTEE]
  --offset-reset r              earliest | latest, without committed offsets [SLUICE_OFFSET_RESET]
  --dead-letter-topic t         send failing records there instead of stopping [SLUICE_DEAD_LETTER_TOPIC]
  --commit-interval ms          commit interval, 1 or more [SLUICE_COMMIT_INTERVAL_MS] (default 1000; 100 exactly-once)
  --update-cache n              aggregation updates held per task until commit, latest per key;
                                0 forwards every update [SLUICE_UPDATE_CACHE_MAX_ENTRIES] (default 10000)
  --update-cache-bytes b        ... and at most b bytes of them per aggregation and task (e.g. 8MiB, 512KiB)
                                [SLUICE_UPDATE_CACHE_MAX_BYTES] (default 8MiB)
  --store-cache-bytes b         each store's write-back cache bound; dirty bytes over half of it commit
                                [SLUICE_STORE_CACHE_MAX_BYTES] (default 32MiB)
  --send-buffer-bytes b         unacknowledged (exactly-once: uncommitted) outputs past this commit early
                                [SLUICE_SEND_BUFFER_MAX_BYTES] (default 32MiB)
  --session-timeout ms          consumer group session timeout [SLUICE_SESSION_TIMEOUT_MS] (default 30000)
  --max-future-timestamp-skew ms  refuse event times further ahead of the wall clock (dead letter or fail);
                                0 or Infinity: no check [SLUICE_MAX_FUTURE_TIMESTAMP_SKEW_MS] (default 86400000)
  --backend b                   leveldb | memory | rocksdb [SLUICE_BACKEND]
  --sink sink.ts                also run this PostgreSQL sink in the same process (repeatable)
  --notify notify.ts            also run this webhook sink (alert notifications) in the same process (repeatable)
  --query-port p                serve read-only store queries on 127.0.0.1:p, 0 for any port [SLUICE_QUERY_PORT]
  --query-token t               queries need "Authorization: Bearer t" [SLUICE_QUERY_TOKEN]
  --query-allowed-hosts h,...   Host names the query server accepts besides loopback ones [SLUICE_QUERY_ALLOWED_HOSTS]
  --metrics-port p              serve Prometheus metrics at http://127.0.0.1:p/metrics, 0 for any port;
                                the query server's Host rules and token apply [SLUICE_METRICS_PORT]
  --metrics-host h              the metrics endpoint's interface, e.g. 0.0.0.0 in a container (then name the
                                Host a scraper sends in --query-allowed-hosts) [SLUICE_METRICS_HOST] (default 127.0.0.1)
  --console-port p              serve the web console (topology, tasks, charts, stores, dead letters, and
                                /metrics) at http://127.0.0.1:p/, 0 for any port; the query server's
                                Host rules and token apply (open /?token=t) [SLUICE_CONSOLE_PORT]
  --console-host h              the console's interface [SLUICE_CONSOLE_HOST] (default 127.0.0.1)
Environment only:
  SLUICE_STARTUP_TIMEOUT_MS     how long start-up waits for a cluster that does not answer, 1 or more (default 300000)
`

/** Each command's own usage, for `sluice <command> --help` and `sluice help <command>`. */
export const COMMAND_USAGES: { readonly [command in TopologyCommand]: string } = {
  describe: `Usage: sluice describe <topology.ts> [--dot | --mermaid]

Prints the topology's sub-topologies, sources, processors, sinks, stores and internal topics.
  --dot        as a Graphviz graph (sluice describe t.ts --dot | dot -Tsvg > topology.svg)
  --mermaid    as a Mermaid flowchart
`,
  store: `Usage: sluice store <topology.ts> <subcommand> [options]

Reads the state stores of a running application (over HTTP) or a stopped one (from local files).
Subcommands:
  ls                                          stores, local tasks, approximate entries
  get <store> <key>                           one key of a key-value store
  range <store> [--from key] [--to key]       keys in a range (inclusive, either bound optional)
  prefix <store> <prefix>                     keys starting with a prefix
  fetch <store> [key] [--from t] [--to t]     a window store's windows (times: epoch ms or ISO dates),
                                              a session store's sessions overlapping [from, to]
  count <store>                               exact number of entries
All entries are printed, page by page; --limit n prints one page and the cursor of the next.
Options:
  --json                 JSON instead of a table
  --limit n              one page of n entries, 1 to ${MAX_PAGE_LIMIT} (the next page's cursor in the JSON, a hint on stderr)
  --cursor c             the page that starts at cursor c (a page's "next")
  --url http://host:p    a running application's query server (default: the one it registered, else local files)
  --query-token t        the query server's token, sent as "Authorization: Bearer t" [SLUICE_QUERY_TOKEN]
  --state-dir dir        local state root [SLUICE_STATE_DIR] (default state)
  --backend b            leveldb | rocksdb, as the application ran [SLUICE_BACKEND]
  --brokers host:port    [SLUICE_BROKERS], unused by stopped-state reads
Keys that start with '-' go after '--'.
`,
  run: `Usage: sluice run <topology.ts> [options]

Runs the topology on Kafka until SIGTERM / SIGINT (then commits, closes its stores and leaves the group).

${RUN_OPTIONS}`,
  sink: `Usage: sluice sink <sink.ts>

Runs a PostgreSQL sink (exactly once: rows and offsets in one database transaction) until SIGTERM / SIGINT.
  --metrics-port p   serve the sink's Prometheus metrics at http://127.0.0.1:p/metrics, 0 for any port [SLUICE_METRICS_PORT]
`,
  notify: `Usage: sluice notify <notify.ts>

Runs a webhook sink (defineWebhookSink, e.g. topologies/fraud-alerts-notify.ts: alerts to a Slack
incoming webhook) until SIGTERM / SIGINT: every record POSTed at least once, with an idempotency
key, its offset committed after the webhook took it; refused ones to its dead-letter topic.
  --metrics-port p   serve the sink's Prometheus metrics at http://127.0.0.1:p/metrics, 0 for any port [SLUICE_METRICS_PORT]
`,
  reset: `Usage: sluice reset <topology.ts> --yes [--brokers host:port,...] [--state-dir dir]

Starts an application over: offsets of its source topics to earliest, its internal topics
deleted, its local state (<state-dir>/<applicationId>, only if Sluice created it) deleted.
The application must be stopped.
  --yes                  confirm
  --brokers host:port    Kafka bootstrap brokers [SLUICE_BROKERS] (default localhost:9092)
  --state-dir dir        local state root [SLUICE_STATE_DIR] (default state)
`,
}

export const USAGE = `Usage: sluice <command> [options]       (sluice <command> --help for its options)

Commands:
  describe <topology.ts>        print sub-topologies, processors, stores and internal topics (--dot: Graphviz, --mermaid: Mermaid)
  store <topology.ts> <sub>     read state stores: ls | get <store> <key> | range <store> [--from k] [--to k]
                                | prefix <store> <p> | fetch <store> [key] [--from t] [--to t] | count <store>
                                (--json; --url http://127.0.0.1:port for a running app, else local files;
                                all entries page by page, or --limit n for one page and --cursor c for the next)
  run <topology.ts>             run the topology on Kafka until SIGTERM / SIGINT
  sink <sink.ts>                run a PostgreSQL sink (exactly once) until SIGTERM / SIGINT
  notify <notify.ts>            run a webhook sink (alerts to Slack, at least once) until SIGTERM / SIGINT
  reset <topology.ts> --yes     start over: offsets to earliest, internal topics and local state deleted
  generate [options]            write test transactions with labelled fraud
  schema check <topology.ts>    check the topology's Avro schemas against the registry or .avsc files
  lag <topology.ts|sink.ts>     committed offset, end offset and lag per partition of its group (--group g, --json)
  console --url http://host:p   open the web console of an application running elsewhere (run --console-port)
  connector <action> <conn.ts>  a Kafka Connect connector (Debezium): register | status | restart | remove
  init <dir>                    create a project that depends on Sluice: a topology, its test, package.json, tsconfig.json
  help [command]                show this text, or a command's
  --version                     print the version

${RUN_OPTIONS}`
