import type { ArchiveSummary } from '../borg/index.js';
import type { Repository } from '../db/client.js';
import { NodeUnreachableError, NotFoundError, RepositoryBorgError, RepositoryBusyError, ValidationError } from '../domain/errors.js';
import { MAX_CONTENTS_PAGE, type ArchiveEntry, type ArchivePage } from '../repositories/archive-contents.js';
import { builder } from './builder.js';

/** An archive as the schema carries it: borg's listing entry and the repository it is in. */
interface ArchiveOf {
  repository: Repository;
  archive: ArchiveSummary;
}

const dateOrNull = (value: string | null): Date | null => (value ? new Date(value) : null);

const ArchiveStatsRef = builder
  .objectRef<{ originalSize: number | null; compressedSize: number | null; deduplicatedSize: number | null; nfiles: number | null }>('ArchiveStats')
  .implement({
    description: "borg info's sizes of one archive, in bytes",
    fields: (t) => ({
      originalSize: t.field({ type: 'SafeInt', resolve: (s) => s.originalSize ?? 0 }),
      compressedSize: t.field({ type: 'SafeInt', resolve: (s) => s.compressedSize ?? 0 }),
      deduplicatedSize: t.field({ type: 'SafeInt', resolve: (s) => s.deduplicatedSize ?? 0, description: 'what this archive alone adds to the repository' }),
      nfiles: t.int({ resolve: (s) => s.nfiles ?? 0 }),
    }),
  });

const ArchiveEntryTypeEnum = builder.enumType('ArchiveEntryType', { values: ['FILE', 'DIRECTORY', 'SYMLINK', 'OTHER'] as const });

const ArchiveEntryRef = builder.objectRef<ArchiveEntry>('ArchiveEntry').implement({
  fields: (t) => ({
    path: t.exposeString('path', { description: 'archive path (no leading /), what StartRestoreInput.paths takes' }),
    type: t.field({ type: ArchiveEntryTypeEnum, resolve: (entry) => entry.type }),
    size: t.expose('size', { type: 'SafeInt' }),
    mtime: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'null for a folder borg did not store (a parent of a source)',
      resolve: (entry) => dateOrNull(entry.mtime),
    }),
    mode: t.exposeString('mode', { nullable: true }),
    linkTarget: t.exposeString('linkTarget', { nullable: true }),
  }),
});

const ArchivePageRef = builder.objectRef<ArchivePage>('ArchivePage').implement({
  fields: (t) => ({
    entries: t.field({ type: [ArchiveEntryRef], resolve: (page) => page.entries }),
    hasMore: t.exposeBoolean('hasMore'),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'the last path of the page: pass it as `after` for the next one' }),
  }),
});

export const ArchiveRef = builder.objectRef<ArchiveOf>('Archive').implement({
  description: 'An archive in a repository (borg list)',
  fields: (t) => ({
    name: t.string({ resolve: ({ archive }) => archive.name }),
    id: t.string({ resolve: ({ archive }) => archive.id }),
    start: t.field({ type: 'DateTime', resolve: ({ archive }) => new Date(archive.start ?? archive.time ?? 0) }),
    time: t.field({ type: 'DateTime', nullable: true, resolve: ({ archive }) => dateOrNull(archive.time) }),
    end: t.field({ type: 'DateTime', nullable: true, resolve: ({ archive }) => dateOrNull(archive.end ?? null) }),
    hostname: t.string({ nullable: true, resolve: ({ archive }) => archive.hostname ?? null }),
    username: t.string({ nullable: true, resolve: ({ archive }) => archive.username ?? null }),
    comment: t.string({ nullable: true, resolve: ({ archive }) => archive.comment ?? null }),
    stats: t.field({
      type: ArchiveStatsRef,
      nullable: true,
      description: 'borg info (read once per archive); null while a job holds the repository and it was not read before',
      resolve: ({ repository, archive }, _args, ctx) => ctx.cluster.info(repository, archive),
    }),
    contents: t.field({
      type: ArchivePageRef,
      description: `one folder level (\`path\`, "" for the top), by path, at most \`limit\` (≤ ${MAX_CONTENTS_PAGE}) entries after \`after\``,
      args: { path: t.arg.string({ defaultValue: '' }), limit: t.arg.int({ defaultValue: 1000 }), after: t.arg.string() },
      resolve: ({ repository, archive }, args, ctx) =>
        ctx.cluster.contents(repository, archive.name, { path: args.path ?? '', limit: args.limit ?? 1000, after: args.after }),
    }),
  }),
});

builder.prismaObjectFields('Repository', (t) => ({
  archives: t.field({
    type: [ArchiveRef],
    description: 'borg list, oldest first (cached for 30 s; the last listing while a job holds the repository)',
    resolve: async (repository, _args, ctx) => (await ctx.cluster.list(repository)).map((archive) => ({ repository, archive })),
  }),
  archive: t.field({
    type: ArchiveRef,
    nullable: true,
    description: 'one archive by name; null when there is none',
    args: { name: t.arg.string({ required: true }) },
    resolve: async (repository, args, ctx) => {
      const archive = (await ctx.cluster.list(repository)).find((candidate) => candidate.name === args.name);
      return archive ? { repository, archive } : null;
    },
  }),
}));

const DeleteArchiveSuccess = builder.objectRef<{ message: string }>('DeleteArchiveSuccess').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.mutationFields((t) => ({
  deleteArchive: t.field({
    type: DeleteArchiveSuccess,
    authScopes: { admin: true },
    description: 'Deletes one archive (borg delete; the space is freed by the next compact); refused while a job runs on or waits for the repository',
    args: { repository: t.arg.string({ required: true }), archive: t.arg.string({ required: true }) },
    errors: {
      types: [NotFoundError, ValidationError, RepositoryBusyError, RepositoryBorgError, NodeUnreachableError],
      directResult: true,
      union: { name: 'DeleteArchiveResult' },
    },
    resolve: async (_root, args, ctx) => {
      const repository = await ctx.jobs.findRepository(args.repository);
      await ctx.cluster.delete(repository, args.archive);
      return { message: `Archive ${args.archive} deleted` };
    },
  }),
}));

builder.queryFields((t) => ({
  repositoryByReference: t.prismaField({
    type: 'Repository',
    nullable: true,
    description: 'A registered repository by its path, id or name (what startBackup and startRestore take); null when there is none',
    args: { reference: t.arg.string({ required: true }) },
    resolve: async (_query, _root, args, ctx) => {
      try {
        return await ctx.jobs.findRepository(args.reference);
      } catch (error) {
        if (error instanceof NotFoundError) return null;
        throw error;
      }
    },
  }),
}));
