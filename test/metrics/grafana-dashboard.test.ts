import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { parseCommand, streamsConfigFrom } from '../../src/cli/options.js'
import { TaskMetrics } from '../../src/processor/task-metrics.js'
import { MetricsServer } from '../../src/runtime/metrics/metrics-server.js'
import { StreamsMetrics } from '../../src/runtime/metrics/streams-metrics.js'
import { SinkMetrics } from '../../src/sinks/postgres/sink-metrics.js'
import { WebhookMetrics } from '../../src/sinks/webhook/webhook-metrics.js'
import type { Registry } from 'prom-client'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const readYaml = (path: string): unknown => parse(read(path), { merge: true })

interface Target {
  readonly expr?: string
}
interface Panel {
  readonly id: number
  readonly type: string
  readonly title: string
  readonly datasource?: { readonly uid?: string }
  readonly targets?: readonly Target[]
  readonly panels?: readonly Panel[]
}
interface Variable {
  readonly type: string
  readonly name: string
  readonly query?: string | { readonly query?: string }
}
interface Dashboard {
  readonly schemaVersion: number
  readonly uid: string
  readonly panels: readonly Panel[]
  readonly templating: { readonly list: readonly Variable[] }
}
interface ComposeService {
  readonly image?: string
  readonly command?: string | readonly string[]
  readonly ports?: readonly string[]
  readonly volumes?: readonly string[]
}
interface ScrapeConfig {
  readonly job_name: string
  readonly static_configs?: readonly { readonly targets: readonly string[] }[]
  readonly dns_sd_configs?: readonly { readonly names: readonly string[]; readonly type?: string; readonly port: number }[]
}

const dashboard = JSON.parse(read('deploy/grafana/dashboards/sluice.json')) as Dashboard
const compose = readYaml('docker-compose.yml') as { services: { [name: string]: ComposeService } }
const prometheus = readYaml('deploy/prometheus/prometheus.yml') as { scrape_configs: readonly ScrapeConfig[] }

/** Rows hold panels; the panels with queries are the others, at the top level or inside a row. */
function queryPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => (panel.type === 'row' ? queryPanels(panel.panels ?? []) : [panel]))
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan'])

/**
 * The metric names a PromQL expression selects: what is left once strings, label matchers,
 * ranges and label lists are removed, minus function names (followed by "(") and keywords.
 */
function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names: string[] = []
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice(match.index + match[0].length).trimStart()
    if (after.startsWith('(') || PROMQL_WORDS.has(match[0].toLowerCase())) continue
    names.push(match[0])
  }
  return names
}

/** The metric of a `label_values(metric, label)` variable query. */
function variableMetric(variable: Variable): string | undefined {
  const query = typeof variable.query === 'string' ? variable.query : variable.query?.query
  return /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/.exec(query ?? '')?.[1]
}

/** Every name a registry exposes: a histogram as its _bucket, _sum and _count series. */
async function exposedNames(registry: Registry): Promise<Map<string, string>> {
  const names = new Map<string, string>()
  for (const metric of await registry.getMetricsAsJSON()) {
    // prom-client's types call it an enum; at run time it is the exposition's word ('histogram')
    const type = String(metric.type)
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : ['']
    for (const suffix of suffixes) names.set(`${metric.name}${suffix}`, metric.name)
  }
  return names
}

describe('the Grafana dashboard (deploy/grafana/dashboards/sluice.json)', () => {
  const task = new TaskMetrics()
  task.recordsProcessed = 3
  const store = { name: 'counts', cacheStats: () => ({ hits: 1, misses: 1, evictions: 0, bytes: 10 }) }
  const streams = new StreamsMetrics('category-counts', { tasks: () => [{ taskId: '0_0', metrics: task, stores: [store] }], closedTasks: () => new TaskMetrics(), state: () => 'RUNNING' })
  const registries = [streams.registry, new SinkMetrics('fraud-metrics-sink').registry, new WebhookMetrics('fraud-alerts-notify').registry]
  const registered = async (): Promise<Map<string, string>> => new Map((await Promise.all(registries.map(exposedNames))).flatMap((names) => [...names]))
  const panels = queryPanels(dashboard.panels)
  const exprs = panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''))
  const dashboardNames = new Set([...exprs.flatMap(metricNamesOf), ...dashboard.templating.list.flatMap((variable) => variableMetric(variable) ?? [])])

  test('the name extraction finds the metrics and nothing else', () => {
    expect(metricNamesOf('histogram_quantile(0.99, sum by (application_id, le) (rate(sluice_commit_latency_seconds_bucket{application_id=~"$application_id"}[$__rate_interval])))')).toEqual(['sluice_commit_latency_seconds_bucket'])
    expect(metricNamesOf('sum by (a) (rate(x_total{task_id!="closed"}[5m])) / (sum(rate(y_total[5m])) + z) and on (a) w == 1')).toEqual(['x_total', 'y_total', 'z', 'w'])
  })

  test('is a current Grafana dashboard with a Prometheus data source variable and an application variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(41)
    expect(dashboard.uid).toBe('sluice')
    const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]))
    expect(variables.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' })
    expect(variables.get('application_id')).toMatchObject({ type: 'query', query: 'label_values(sluice_state, application_id)' })
  })

  test('every panel has a query, on the data source variable, and a panel id of its own', () => {
    expect(panels.length).toBeGreaterThan(20)
    for (const panel of panels) {
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets ?? []) expect(target.expr?.trim() ?? '', panel.title).not.toBe('')
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}')
    }
    const ids = [...dashboard.panels, ...dashboard.panels.flatMap((panel) => panel.panels ?? [])].map((panel) => panel.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  test('every metric it queries is one Sluice registers (histograms as _bucket, _sum, _count)', async () => {
    const names = await registered()
    const unknown = [...dashboardNames].filter((name) => !names.has(name))
    expect(unknown, `not registered by StreamsMetrics, SinkMetrics or WebhookMetrics: ${unknown.join(', ')}`).toEqual([])
    // the Node.js process panels
    for (const name of ['nodejs_eventloop_lag_p99_seconds', 'process_resident_memory_bytes', 'process_cpu_seconds_total']) expect(dashboardNames).toContain(name)
  })

  test('every Sluice metric is on it (a new metric gets a panel)', async () => {
    // a histogram is on it when one of its series is (a metric's own name may not end so)
    const shown = new Set([...dashboardNames].flatMap((name) => [name, name.replace(/_(?:bucket|sum|count)$/, '')]))
    const sluiceMetrics = new Set([...(await registered()).values()].filter((name) => name.startsWith('sluice_')))
    const missing = [...sluiceMetrics].filter((name) => !shown.has(name))
    expect(missing, `no panel queries ${missing.join(', ')}`).toEqual([])
  })
})

describe('Prometheus and Grafana in docker-compose.yml', () => {
  const streams = (): StreamsMetrics => new StreamsMetrics('category-counts', { tasks: () => [], closedTasks: () => new TaskMetrics(), state: () => 'RUNNING' })
  const commandOf = (service: ComposeService): readonly string[] => (typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? []))
  const SCRIPT = 'deploy/compose/sluice-run.sh'

  test('the scrape targets are compose services, at the metrics port each is given, allowed as Host', () => {
    const targets = prometheus.scrape_configs.flatMap((config) => [
      ...(config.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((name) => ({ name, port: sd.port }))),
      ...(config.static_configs ?? []).flatMap((sc) => sc.targets.map((target) => ({ name: target.split(':')[0], port: Number(target.split(':')[1]) }))),
    ])
    expect(targets.length).toBeGreaterThan(0)
    for (const { name, port } of targets) {
      const service = compose.services[name]
      expect(service, `${name} is no service of docker-compose.yml`).toBeDefined()
      const command = commandOf(service)
      expect(command[command.indexOf('--metrics-port') + 1], `${name}'s --metrics-port`).toBe(String(port))
      // the script binds 0.0.0.0 and allows the service's name and the container's addresses
      expect(command.slice(0, 3), `${name} runs through ${SCRIPT}`).toEqual(['sh', SCRIPT, name])
    }
    // every process that serves metrics is scraped
    const served = Object.entries(compose.services).filter(([, service]) => commandOf(service).includes('--metrics-port')).map(([name]) => name)
    expect(served.sort()).toEqual(targets.map((target) => target.name).sort())
  })

  test('prometheus and grafana: pinned images, ports on 127.0.0.1, configuration mounted read-only', () => {
    const { prometheus: prom, grafana } = compose.services
    expect(prom.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/)
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/)
    expect(prom.ports).toEqual(['127.0.0.1:9090:9090'])
    expect(grafana.ports).toEqual(['127.0.0.1:3000:3000'])
    for (const service of [prom, grafana]) {
      for (const volume of (service.volumes ?? []).filter((entry) => entry.startsWith('./'))) {
        expect(volume, 'mounted read-only').toMatch(/:ro$/)
        expect(existsSync(join(ROOT, volume.split(':')[0])), volume).toBe(true)
      }
    }
    const datasources = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml') as { datasources: { type: string; url: string }[] }
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })])
    const providers = readYaml('deploy/grafana/provisioning/dashboards/sluice.yml') as { providers: { options: { path: string } }[] }
    expect(grafana.volumes).toContain(`./deploy/grafana/dashboards:${providers.providers[0].options.path}:ro`)
  })

  describe(`${SCRIPT}`, () => {
    const bin = mkdtempSync(join(tmpdir(), 'sluice-run-'))
    afterAll(() => rmSync(bin, { recursive: true, force: true }))
    // stand-ins: the container's addresses, and an npx that prints what it was given
    writeFileSync(join(bin, 'hostname'), '#!/bin/sh\necho "172.18.0.5 fd00::5"\n')
    writeFileSync(join(bin, 'npx'), '#!/bin/sh\nfor arg in "$@"; do echo "$arg"; done\n')
    for (const file of ['hostname', 'npx']) chmodSync(join(bin, file), 0o755)
    const argv = execFileSync('sh', [join(ROOT, SCRIPT), 'category-counts', 'topologies/category-counts.ts', '--metrics-port', '9400'], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' }).trimEnd().split('\n')

    test('runs sluice with its metrics on every interface, allowing the service name and the addresses', () => {
      expect(argv).toEqual(['sluice', 'run', 'topologies/category-counts.ts', '--metrics-port', '9400', '--metrics-host', '0.0.0.0', '--query-allowed-hosts', 'category-counts,172.18.0.5,fd00::5'])
    })

    test('the metrics server those flags configure answers Prometheus and refuses other Host names', async () => {
      const config = streamsConfigFrom(parseCommand('run', argv.slice(2)).values)
      expect(config).toMatchObject({ metricsPort: 9400, metricsHost: '0.0.0.0' })
      const server = new MetricsServer([streams()], { allowedHosts: config.queryAllowedHosts, log: () => undefined })
      const url = new URL(await server.listen(config.metricsHost ?? '', 0))
      try {
        const status = (host: string): Promise<number | undefined> =>
          new Promise((resolve, reject) => {
            request({ host: '127.0.0.1', port: url.port, path: '/metrics', headers: { host } }, (response) => {
              response.resume()
              resolve(response.statusCode)
            }).on('error', reject).end()
          })
        for (const host of ['category-counts:9400', '172.18.0.5:9400', '[fd00::5]:9400']) expect(await status(host), host).toBe(200)
        expect(await status('elsewhere.example:9400')).toBe(403)
      } finally {
        await server.close()
      }
    })
  })

})
