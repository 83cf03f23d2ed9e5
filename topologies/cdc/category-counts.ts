import { categoryCounts } from '../category-counts.js'

/** The category counts on the Debezium topic of PostgreSQL's `transactions` table (see ../cdc-transactions.ts). */
export default categoryCounts({ applicationId: 'category-counts-cdc', cdc: true })
