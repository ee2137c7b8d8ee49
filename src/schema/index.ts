/** The GraphQL schema: importing each domain file registers its types. */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './repository.js';
import './log.js';
import './job.js';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

/** The executable schema. */
export const schema: GraphQLSchema = builder.toSchema();

/** The SDL committed as schema.graphql (sorted, so diffs stay readable). */
export function printSchemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
