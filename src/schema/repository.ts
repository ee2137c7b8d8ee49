import type { Repository } from '../db/client.js';
import { NodeUnreachableError, NotFoundError, RepositoryBorgError, RepositoryBusyError, ValidationError } from '../domain/errors.js';
import { parseRecordId, recordIdOrNotFound } from '../domain/ids.js';
import { retentionOf } from '../jobs/maintenance.js';
import { parseStringList } from '../repositories/repository-settings.js';
import { builder } from './builder.js';
import { BorgErrorRef, NodeUnreachableErrorRef, sharedResultUnion, ValidationErrorRef } from './errors.js';
import { AddRepositoryInput, UpdateRepositoryInput } from './repository-inputs.js';

const RetentionRef = builder.objectRef<Repository>('Retention').implement({
  description: 'borg prune rules of a repository',
  fields: (t) => ({
    keepWithin: t.exposeString('keepWithin', { nullable: true }),
    keepLast: t.exposeInt('keepLast', { nullable: true }),
    keepHourly: t.exposeInt('keepHourly', { nullable: true }),
    keepDaily: t.exposeInt('keepDaily', { nullable: true }),
    keepWeekly: t.exposeInt('keepWeekly', { nullable: true }),
    keepMonthly: t.exposeInt('keepMonthly', { nullable: true }),
    keepYearly: t.exposeInt('keepYearly', { nullable: true }),
    compact: t.exposeBoolean('compact'),
  }),
});

export const RepositoryRef = builder.prismaObject('Repository', {
  description: 'A borg repository; its passphrase is write-only',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    path: t.exposeString('path', { description: 'local absolute path or ssh://…' }),
    sourcePaths: t.stringList({ resolve: (repository) => parseStringList(repository.sourcePaths) }),
    excludePatterns: t.stringList({ resolve: (repository) => parseStringList(repository.excludePatterns) }),
    compression: t.exposeString('compression'),
    encryption: t.exposeString('encryption'),
    lockWaitSeconds: t.exposeInt('lockWaitSeconds'),
    listFilter: t.exposeString('listFilter', {
      description: 'which files get a line in job logs: borg create --filter status letters, "*" every file, "" none',
    }),
    hasPassphrase: t.boolean({ resolve: (repository) => repository.passphrase !== null && repository.passphrase !== '' }),
    passcommand: t.exposeString('passcommand', {
      nullable: true,
      description: 'the command borg runs to get the passphrase (BORG_PASSCOMMAND); it names a secret, it is not one',
    }),
    retention: t.field({
      type: RetentionRef,
      nullable: true,
      description: 'null when no prune rule is set',
      resolve: (repository) => (retentionOf(repository) ? repository : null),
    }),
    staleAfter: t.exposeString('staleAfter', { nullable: true, description: 'REPOSITORY_STALE after this long without a successful backup' }),
    node: t.exposeString('node', {
      description: 'the node whose host runs its jobs and borg commands (BORGQL_NODE_NAME); "" for one registered before scale-out that no node adopted yet',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    removedAt: t.expose('removedAt', { type: 'DateTime', nullable: true, description: 'set once removed; kept for its jobs' }),
  }),
});

class RepositoryResult {
  constructor(readonly repository: Repository) {}
}
const successType = (name: string) =>
  builder.objectType(class extends RepositoryResult {}, {
    name,
    fields: (t) => ({ repository: t.field({ type: RepositoryRef, resolve: (result) => result.repository }) }),
  });
const AddRepositorySuccess = successType('AddRepositorySuccess');
const RemoveRepositorySuccess = successType('RemoveRepositorySuccess');

const addResult = sharedResultUnion(
  'AddRepositoryResult',
  { ref: AddRepositorySuccess, is: (value): value is RepositoryResult => value instanceof RepositoryResult },
  [
    { ref: ValidationErrorRef, type: ValidationError },
    { ref: BorgErrorRef, type: RepositoryBorgError },
    { ref: NodeUnreachableErrorRef, type: NodeUnreachableError },
  ],
);

builder.queryFields((t) => ({
  repositories: t.prismaField({
    type: ['Repository'],
    description: 'Registered repositories (not removed ones)',
    resolve: (query, _root, _args, ctx) => ctx.prisma.repository.findMany({ ...query, where: { removedAt: null }, orderBy: { id: 'asc' } }),
  }),
  repository: t.prismaField({
    type: 'Repository',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => {
      const id = parseRecordId(args.id);
      return id === null ? null : ctx.prisma.repository.findUnique({ ...query, where: { id } });
    },
  }),
}));

builder.mutationFields((t) => ({
  addRepository: t.field({
    type: addResult.union,
    authScopes: { admin: true },
    description:
      "Registers a repository after borg proved it opens (borg info), optionally creating it (borg init); borg runs on the repository's node (input.node), which must answer",
    args: { input: t.arg({ type: AddRepositoryInput, required: true }) },
    resolve: (_root, { input }, ctx) => addResult.settle(async () => new RepositoryResult(await ctx.repositories.add(input))),
  }),
  updateRepository: t.field({
    type: addResult.union,
    authScopes: { admin: true },
    description:
      'Changes settings (an unknown id is a ValidationError on `id`); a new path, passphrase or passcommand must open with borg first. Queued jobs use the new settings',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateRepositoryInput, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      addResult.settle(async () => {
        // the contract's AddRepositoryResult has no NotFoundError (docs/api.md): an unknown id is invalid input
        try {
          return new RepositoryResult(await ctx.repositories.update(recordIdOrNotFound('repository', id), input));
        } catch (error) {
          throw error instanceof NotFoundError ? new ValidationError(error.message, 'id') : error;
        }
      }),
  }),
  removeRepository: t.field({
    type: RemoveRepositorySuccess,
    authScopes: { admin: true },
    description: "Forgets a repository (borg's data is never touched); refused while it has a pending or running job",
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, RepositoryBusyError], directResult: true, union: { name: 'RemoveRepositoryResult' } },
    resolve: async (_root, { id }, ctx) => new RepositoryResult(await ctx.repositories.remove(recordIdOrNotFound('repository', id))),
  }),
}));
