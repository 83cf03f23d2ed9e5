import type { ServerResponse } from 'node:http'
import { sendJson, StoreRequestHandler } from '../runtime/query/store-request-handler.js'
import { topologyPicture } from '../topology/topology-picture.js'
import type { ConsoleApplication } from './console-application.js'
import type { ConsoleBackend } from './console-backend.js'
import { latestWindow } from './latest-window.js'
import { StatusHistory } from './status-history.js'

/**
 * The console's data from the application running in this process:
 *   /api/topology          the picture (sub-topologies, nodes, stores, topics), stores, output topics
 *   /api/status            state, tasks, totals, records per second per node
 *   /api/history           the last minutes of rates and levels, one sample a second
 *   /api/dead-letters      the latest dead letters with their error headers
 *   /api/outputs           the latest records per output topic
 *   /api/windows/<store>   a window store's newest window
 *   /stores/...            store queries, as the query server answers them
 *   /metrics               Prometheus metrics
 */
export class ApplicationBackend implements ConsoleBackend {
  private readonly history: StatusHistory
  private readonly stores: StoreRequestHandler

  constructor(
    private readonly application: ConsoleApplication,
    log: (message: string) => void,
  ) {
    this.history = new StatusHistory(() => application.status())
    this.history.start()
    this.stores = new StoreRequestHandler(application.topology, application.storeQueries, log)
  }

  async answer(url: URL, response: ServerResponse): Promise<void> {
    const path = url.pathname
    if (path === '/stores' || path.startsWith('/stores/')) return this.stores.answer(url, response)
    if (path === '/metrics') {
      const text = await this.application.prometheusMetrics()
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
      response.end(text)
      return
    }
    if (path === '/api/topology') return sendJson(response, 200, this.topology())
    if (path === '/api/status') return sendJson(response, 200, { ...this.application.status(), nodeRates: this.history.nodeRates() })
    if (path === '/api/history') return sendJson(response, 200, { samples: this.history.list() })
    if (path === '/api/dead-letters') return sendJson(response, 200, { topic: this.application.config.deadLetterTopic, deadLetters: this.application.recentDeadLetters() })
    if (path === '/api/outputs') return sendJson(response, 200, { topics: this.application.recentOutputs() })
    const windows = /^\/api\/windows\/([^/]+)$/.exec(path)
    if (windows) {
      const name = decodeURIComponent(windows[1])
      const spec = this.application.topology.subtopologies.flatMap((subtopology) => subtopology.stores).find((store) => store.name === name)
      if (!spec || spec.type !== 'window') return sendJson(response, 404, { error: `no window store named ${JSON.stringify(name)}` })
      return sendJson(response, 200, await latestWindow(this.application, spec))
    }
    sendJson(response, 404, { error: `no such endpoint ${path}` })
  }

  async close(): Promise<void> {
    this.history.stop()
  }

  private topology(): object {
    const topology = this.application.topology
    const nodeSubtopology: { [node: string]: number } = {}
    for (const subtopology of topology.subtopologies) for (const node of subtopology.nodes) nodeSubtopology[node.name] = subtopology.id
    for (const global of topology.globalStores) for (const node of [global.source.name, global.processorName]) nodeSubtopology[node] = global.id
    return {
      applicationId: topology.applicationId,
      picture: topologyPicture(topology),
      nodeSubtopology,
      stores: [
        ...topology.subtopologies.flatMap((subtopology) =>
          subtopology.stores.map((store) => ({ name: store.name, type: store.type, subtopology: subtopology.id, windowSizeMs: store.windowSizeMs, changelog: topology.changelogTopicOf(store.name) })),
        ),
        ...topology.globalStores.map((global) => ({ name: global.spec.name, type: global.spec.type, subtopology: global.id, global: true, topic: global.topic })),
      ],
      internalTopics: topology.internalTopics.map((topic) => ({ name: topic.name, kind: topic.kind })),
      outputTopics: [...new Set(topology.subtopologies.flatMap((subtopology) => subtopology.nodes.flatMap((node) => (node.kind === 'sink' && node.repartition !== true ? [node.topic] : []))))],
      deadLetterTopic: this.application.config.deadLetterTopic,
    }
  }
}
