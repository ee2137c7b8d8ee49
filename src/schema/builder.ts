import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { authScopesFor, unauthorizedError } from './auth-scopes.js';
import type { Context } from './context.js';

/**
 * The Pothos builder: configuration only; types live in one file per domain.
 *
 * Authorization (README "Authentication and roles"): no operation runs without a valid token
 * (enforced before execution, see server/graphql.ts), and every root field
 * needs at least `viewer` (index.ts puts it on Query/Mutation/Subscription).
 * Anything that changes state says which role it needs, with one option:
 *
 *   startBackup: t.field({ authScopes: { operator: true }, … })   // start, cancel, run now
 *   addRepository: t.field({ authScopes: { admin: true }, … })    // repositories, schedules, tokens
 *
 * Scopes are cumulative (an admin has `operator` and `viewer` too). Fields
 * that only read need nothing more; an admin-only read (e.g. `apiTokens`)
 * takes `{ admin: true }` like a mutation.
 */
export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: Context;
  AuthScopes: { viewer: boolean; operator: boolean; admin: boolean };
  Scalars: {
    SafeInt: { Input: number; Output: number | bigint };
    DateTime: { Input: Date; Output: Date };
  };
  DefaultFieldNullability: false;
}>({
  // fields are non-null unless they say otherwise, as the contract says (docs/api.md "Names are binding")
  defaultFieldNullability: false,
  // scope-auth first, so no other plugin's wrapper runs before the check;
  // errors before prisma, as the errors plugin's docs require
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin],
  scopeAuth: {
    // check subscriptions once, when they start (not on every event)
    authorizeOnSubscribe: true,
    authScopes: authScopesFor,
    unauthorizedError,
  },
  prisma: {
    // each server owns its client (tests run several servers in one process)
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
  },
  errors: { defaultTypes: [] },
});
