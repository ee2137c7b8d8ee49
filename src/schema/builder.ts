import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from './context.js';

/** The Pothos builder: configuration only; types live in one file per domain. */
export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: Context;
  Scalars: {
    SafeInt: { Input: number; Output: number | bigint };
    DateTime: { Input: Date; Output: Date };
  };
  DefaultFieldNullability: false;
}>({
  // fields are non-null unless they say otherwise, as in DESIGN.md's contract
  defaultFieldNullability: false,
  // errors before prisma, as the errors plugin's docs require
  plugins: [ErrorsPlugin, PrismaPlugin],
  prisma: {
    // each server owns its client (tests run several servers in one process)
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
  },
  errors: { defaultTypes: [] },
});
