import { NotFoundError, ValidationError } from '../domain/errors.js';
import { recordIdOrNotFound, recordNotFound } from '../domain/ids.js';
import type { ApiToken } from '../auth/tokens.js';
import { builder } from './builder.js';
import { ROLES, type Role } from '../auth/roles.js';

export const RoleEnum = builder.enumType('Role', {
  description: 'VIEWER reads; OPERATOR also starts and cancels backups; ADMIN also manages repositories, schedules and tokens',
  values: ROLES,
});

const ApiTokenRef = builder.prismaObject('ApiToken', {
  description: 'An API token; its secret is shown once, when created, and never stored',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.field({ type: RoleEnum, resolve: (token) => token.role as Role }),
    prefix: t.exposeString('prefix', { description: 'the first characters of the secret, to recognise it' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'updated at most once a minute' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreateApiTokenSuccess = builder.objectRef<{ token: ApiToken; secret: string }>('CreateApiTokenSuccess').implement({
  fields: (t) => ({
    apiToken: t.field({ type: ApiTokenRef, resolve: (result) => result.token }),
    secret: t.exposeString('secret', { description: 'the bearer token; shown only here, store it now' }),
  }),
});

const RevokeApiTokenSuccess = builder.objectRef<{ token: ApiToken }>('RevokeApiTokenSuccess').implement({
  fields: (t) => ({ apiToken: t.field({ type: ApiTokenRef, resolve: (result) => result.token }) }),
});

builder.queryFields((t) => ({
  apiTokens: t.field({
    type: [ApiTokenRef],
    authScopes: { admin: true },
    description: 'API tokens, oldest first (never their secrets)',
    args: { includeRevoked: t.arg.boolean({ defaultValue: false }) },
    resolve: (_root, args, ctx) => ctx.tokens.list(args.includeRevoked ?? false),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreateApiTokenSuccess,
    authScopes: { admin: true },
    description: 'Creates an API token; the secret is in the answer and nowhere else',
    args: { name: t.arg.string({ required: true }), role: t.arg({ type: RoleEnum, required: true }) },
    errors: { types: [ValidationError], directResult: true, union: { name: 'CreateApiTokenResult' } },
    resolve: (_root, args, ctx) => ctx.tokens.create(args.name, args.role),
  }),
  revokeApiToken: t.field({
    type: RevokeApiTokenSuccess,
    authScopes: { admin: true },
    description: 'Revokes an API token at once (not the last active admin token)',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, ValidationError], directResult: true, union: { name: 'RevokeApiTokenResult' } },
    resolve: async (_root, args, ctx) => {
      return { token: await ctx.tokens.revoke(recordIdOrNotFound('API token', args.id)) };
    },
  }),
  logDownloadUrl: t.string({
    description: "A short-lived link to download one job's whole log (GET, no Authorization header needed)",
    args: { jobId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = recordIdOrNotFound('job', args.jobId);
      if (!(await ctx.jobs.get(id))) throw recordNotFound('job', args.jobId);
      return `${ctx.origin}/api/backup/logs/${id}/download?token=${ctx.downloads.issue(id)}`;
    },
  }),
}));
