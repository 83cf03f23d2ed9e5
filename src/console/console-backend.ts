import type { ServerResponse } from 'node:http'

/**
 * Where the console's page gets its data: GET `/api/...`, `/stores/...` and `/metrics`. The
 * application's own console answers from the running application; `sluice console --url`
 * forwards to an application's console elsewhere.
 */
export interface ConsoleBackend {
  /** Answers a GET whose access was checked already; `url` holds path and query. */
  answer(url: URL, response: ServerResponse): Promise<void>
  close(): Promise<void>
}
