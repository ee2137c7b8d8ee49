import { NodeUnreachableError, NotFoundError, RepositoryBorgError, RepositoryBusyError } from '../domain/errors.js';
import type { BrokenLock } from '../jobs/repository-locks.js';
import { builder } from './builder.js';
import { RepositoryRef } from './repository.js';

const BreakLockSuccess = builder.objectRef<BrokenLock>('BreakLockSuccess').implement({
  fields: (t) => ({
    repository: t.field({ type: RepositoryRef, resolve: (result) => result.repository }),
    message: t.exposeString('message'),
  }),
});

builder.mutationFields((t) => ({
  breakLock: t.field({
    type: BreakLockSuccess,
    authScopes: { admin: true },
    description:
      "Runs `borg break-lock` on a repository (its path, id or name), after a job failed with LockTimeout and no borg works on it any more; refused while one of borgql's jobs runs on it",
    args: { repository: t.arg.string({ required: true }) },
    errors: { types: [NotFoundError, RepositoryBusyError, RepositoryBorgError, NodeUnreachableError], directResult: true, union: { name: 'BreakLockResult' } },
    resolve: (_root, args, ctx) => ctx.cluster.breakLock(args.repository, (reference) => ctx.jobs.findRepository(reference)),
  }),
}));
