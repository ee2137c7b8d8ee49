import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The datasource URL follows README "Configuration": DATABASE_URL, else file:<data dir>/borgql.db.
const dataDir = process.env.BORGQL_DATA_DIR ?? './data';
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? `file:${path.resolve(dataDir, 'borgql.db')}` },
});
