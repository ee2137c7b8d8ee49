/** The GraphQL schema: importing each domain file registers its types. */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './repository.js';
import './schedule.js';
import './log.js';
import './job.js';
import './backup-start.js';
import './repository-lock.js';
import './job-kinds.js';
import './archive.js';
import './token.js';
import './webhook.js';
import './event.js';
import './node.js';

// the blanket rule: every root field, including ones added later, needs at least a viewer token
builder.queryType({ authScopes: { viewer: true } });
builder.mutationType({ authScopes: { viewer: true } });
builder.subscriptionType({ authScopes: { viewer: true } });

/** The executable schema. */
export const schema: GraphQLSchema = builder.toSchema();

/** The SDL committed as schema.graphql (sorted, so diffs stay readable). */
export function printSchemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
