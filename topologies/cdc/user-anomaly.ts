import { userAnomaly } from '../user-anomaly.js'

/** Per-user anomaly detection on the Debezium topic of PostgreSQL's `transactions` table (see ../cdc-transactions.ts). */
export default userAnomaly({ applicationId: 'user-anomaly-cdc', cdc: true })
