// A Kafka broker and a PostgreSQL of the fault tests' own, started by the project's services
// script on ports of their own: the tests stop and start them, which must not disturb the
// rest of the suite running beside them on the default services.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { KafkaTestClient } from '../integration/kafka-helpers.js'

const run = promisify(execFile)
const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SERVICES = `${REPO}/scripts/services.sh`

export type FaultService = 'kafka' | 'postgres'

/**
 * Each test file that restarts services has a cluster of its own (a name and ports of its
 * own), since vitest may run the files side by side.
 */
export class FaultCluster {
  readonly brokers: string[]
  readonly pgUrl: string
  readonly client: KafkaTestClient
  private readonly env: { [name: string]: string | undefined }

  constructor(name: string, kafkaPort: number, pgPort: number) {
    this.brokers = [`127.0.0.1:${kafkaPort}`]
    this.pgUrl = `postgres://sluice:sluice@127.0.0.1:${pgPort}/sluice`
    this.client = new KafkaTestClient(this.brokers)
    this.env = {
      ...process.env,
      SLUICE_SERVICES_DIR: `${REPO}/.services/faults-${name}`,
    // The jars the suite's own services fetched (fetched here if they have not been).
      SLUICE_KAFKA_HOME: process.env.SLUICE_KAFKA_HOME ?? `${REPO}/.services/kafka/${process.env.SLUICE_KAFKA_VERSION ?? '4.4.0'}`,
      SLUICE_KAFKA_PORT: String(kafkaPort),
      SLUICE_KAFKA_CONTROLLER_PORT: String(kafkaPort + 1),
      SLUICE_PG_PORT: String(pgPort),
    }
  }

  /** What the services script printed last, for failure messages. */
  readonly log: string[] = []

  async up(...services: FaultService[]): Promise<void> {
    await this.services('up', ...(services.length > 0 ? services : ['kafka', 'postgres']))
  }

  async down(...services: FaultService[]): Promise<void> {
    await this.services('down', ...(services.length > 0 ? services : ['kafka', 'postgres']))
  }

  /** Stops the service cleanly (as an operator's restart does), waits a moment, starts it again. */
  async restart(service: FaultService, downMs: number): Promise<void> {
    await this.down(service)
    await new Promise((resolve) => setTimeout(resolve, downMs))
    await this.up(service)
  }

  /** Deletes the broker's and PostgreSQL's data (their topics, groups and tables). */
  async clean(): Promise<void> {
    await this.services('clean', 'kafka', 'postgres')
  }

  private async services(command: string, ...services: string[]): Promise<void> {
    const { stdout, stderr } = await run('bash', [SERVICES, command, ...services], { env: this.env, maxBuffer: 16 * 1024 * 1024 })
    this.log.push(stdout, stderr)
  }
}
