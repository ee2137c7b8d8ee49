import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, SafeIntResolver } from 'graphql-scalars';
import { builder } from './builder.js';

/** Byte counts exceed GraphQL's 32-bit Int; Prisma hands BigInt columns over as bigint. */
const SafeInt = new GraphQLScalarType({
  ...SafeIntResolver.toConfig(),
  serialize: (value) => SafeIntResolver.serialize(typeof value === 'bigint' ? Number(value) : value),
});

builder.addScalarType('SafeInt', SafeInt);
builder.addScalarType('DateTime', DateTimeResolver);
