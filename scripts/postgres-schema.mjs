// The PostgreSQL schema, written from prisma/schema.prisma so the models
// exist once: Prisma takes one provider per schema file. Only the
// datasource's provider, the client's output and the generators differ
// (the Pothos types are generated from the SQLite schema, and both clients
// have the same models). docs/architecture.md, "Databases", says why.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** `<repo>/prisma/schema.prisma`: the models, SQLite. */
export const SQLITE_SCHEMA = path.join(root, 'prisma', 'schema.prisma');
/** `<repo>/prisma/postgres/schema.prisma`: written by {@link writePostgresSchema}, never edited. */
export const POSTGRES_SCHEMA = path.join(root, 'prisma', 'postgres', 'schema.prisma');

const HEADER = `// GENERATED from prisma/schema.prisma by scripts/postgres-schema.mjs (npm install,
// npm run generate): edit that file, never this one. The models are the same;
// only the provider and the client's output differ.
`;

/**
 * The PostgreSQL twin of a SQLite schema source: provider postgresql, the
 * client generated into src/generated/prisma-pg, no pothos generator.
 * Throws when the source no longer has the shape this rewrite expects, so a
 * change of it cannot silently produce a schema with different models.
 */
export function postgresSchema(source) {
  const replacements = [
    [/\ngenerator pothos \{[^}]*\}\n/, '\n'],
    [/output(\s*)= "\.\.\/src\/generated\/prisma"/, 'output$1= "../../src/generated/prisma-pg"'],
    [/provider = "sqlite"/, 'provider = "postgresql"'],
  ];
  let text = source;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(text)) throw new Error(`prisma/schema.prisma: expected ${pattern} (scripts/postgres-schema.mjs)`);
    text = text.replace(pattern, replacement);
  }
  return HEADER + text;
}

/** Writes prisma/postgres/schema.prisma from prisma/schema.prisma; returns its path. */
export function writePostgresSchema() {
  writeFileSync(POSTGRES_SCHEMA, postgresSchema(readFileSync(SQLITE_SCHEMA, 'utf8')), 'utf8');
  return POSTGRES_SCHEMA;
}
