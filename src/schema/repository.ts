import type { Repository } from '../db/client.js';
import { RepositoryBorgError, ValidationError } from '../jobs/errors.js';
import { parseStringList } from '../jobs/repository-settings.js';
import { builder } from './builder.js';
import { parseJobId } from './ids.js';

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
    hasPassphrase: t.boolean({ resolve: (repository) => repository.passphrase !== null && repository.passphrase !== '' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AddRepositoryInput = builder.inputType('AddRepositoryInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    path: t.string({ required: true, description: "local absolute path or ssh://… (borg's own syntax)" }),
    sourcePaths: t.stringList({ required: true, description: 'what gets backed up (absolute paths)' }),
    excludePatterns: t.stringList({ defaultValue: [], description: 'borg exclude patterns (fm:, sh:, re:, pp:, pf:)' }),
    passphrase: t.string({ description: 'write-only; reaches borg through its environment only' }),
    encryption: t.string({ defaultValue: 'repokey-blake2', description: 'used when initialize is true' }),
    initialize: t.boolean({ defaultValue: false, description: 'run `borg init` first; else the repository must exist' }),
    compression: t.string({ defaultValue: 'lz4' }),
  }),
});

const AddRepositorySuccess = builder.objectRef<{ repository: Repository }>('AddRepositorySuccess').implement({
  fields: (t) => ({ repository: t.field({ type: RepositoryRef, resolve: (result) => result.repository }) }),
});

builder.queryFields((t) => ({
  repositories: t.prismaField({
    type: ['Repository'],
    resolve: (query, _root, _args, ctx) => ctx.prisma.repository.findMany({ ...query, orderBy: { id: 'asc' } }),
  }),
  repository: t.prismaField({
    type: 'Repository',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => {
      const id = parseJobId(args.id);
      return id === null ? null : ctx.prisma.repository.findUnique({ ...query, where: { id } });
    },
  }),
}));

builder.mutationFields((t) => ({
  addRepository: t.field({
    type: AddRepositorySuccess,
    description: 'Registers a repository after borg proved it opens (borg info), optionally creating it (borg init)',
    args: { input: t.arg({ type: AddRepositoryInput, required: true }) },
    errors: { types: [ValidationError, RepositoryBorgError], directResult: true, union: { name: 'AddRepositoryResult' } },
    resolve: async (_root, { input }, ctx) => ({ repository: await ctx.repositories.add(input) }),
  }),
}));
