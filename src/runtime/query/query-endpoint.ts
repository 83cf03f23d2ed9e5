import { createStateDirectories } from '../../state/state-directory.js'
import type { Topology } from '../../topology/topology.js'
import type { LocalStoreQueries } from './local-store-queries.js'
import { queryEndpointFile, removeQueryEndpoint, writeQueryEndpoint } from './query-endpoint-file.js'
import { QueryServer } from './query-server.js'
import type { ResolvedStreamsConfig } from '../streams-config.js'

/** The query server of a running application and the file that lets `sluice store` find it. */
export class QueryEndpoint {
  private constructor(
    private readonly server: QueryServer,
    private readonly file: string,
    readonly url: string,
  ) {}

  static async open(topology: Topology, queries: LocalStoreQueries, config: ResolvedStreamsConfig): Promise<QueryEndpoint> {
    const server = new QueryServer(topology, queries, { allowedHosts: config.queryAllowedHosts, token: config.queryToken, log: config.log })
    const url = await server.listen(config.queryHost, config.queryPort ?? 0)
    const file = queryEndpointFile(config.stateDir, topology.applicationId)
    await createStateDirectories(config.stateDir, topology.applicationId)
    await writeQueryEndpoint(file, url)
    return new QueryEndpoint(server, file, url)
  }

  async close(): Promise<void> {
    await removeQueryEndpoint(this.file)
    await this.server.close()
  }
}
