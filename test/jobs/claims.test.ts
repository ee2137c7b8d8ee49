// claimJob on SQLite (test/cluster/claims.test.ts races it on PostgreSQL): the claim reads no row
// first, so the conditional update and the unique running index alone decide claimed, busy or gone.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqlitePrismaClient, type PrismaClient } from '../../src/db/client.js';
import { claimJob } from '../../src/jobs/claims.js';
import { logDatabases } from '../helpers/log-db.js';

const databases = logDatabases('claims');
const clients: PrismaClient[] = [];
afterAll(databases.remove);
afterEach(async () => {
  for (const client of clients.splice(0)) await client.$disconnect();
  databases.closeAll();
});

function setup() {
  const { db, file } = databases.fresh();
  const prisma = createSqlitePrismaClient(`file:${file}`);
  clients.push(prisma);
  const repositoryId = db.prepare('SELECT id FROM Repository LIMIT 1').pluck().get() as number;
  const pending = () => prisma.backupJob.create({ data: { repositoryId, repositoryPath: '/srv/repo' } });
  const started = (jobId: number) => prisma.event.count({ where: { jobId, type: 'JOB_STARTED' } });
  return { prisma, pending, started };
}

describe('claimJob (SQLite)', () => {
  it('claims a PENDING job; a second job on the busy repository is busy and stays PENDING', async () => {
    const { prisma, pending, started } = setup();
    const first = await pending();
    const second = await pending();
    const claim = await claimJob(prisma, false, first, null);
    expect(claim).toMatchObject({ kind: 'claimed', fields: { status: 'RUNNING', runningRepositoryId: first.repositoryId } });
    expect(await started(first.id)).toBe(1);
    expect(await claimJob(prisma, false, second, null)).toEqual({ kind: 'busy' });
    expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: 'PENDING', runningRepositoryId: null });
    expect(await started(second.id)).toBe(0);
    // once the first ended, the second is claimed
    await prisma.backupJob.update({ where: { id: first.id }, data: { status: 'COMPLETED', runningRepositoryId: null } });
    expect((await claimJob(prisma, false, second, null)).kind).toBe('claimed');
  });

  it('a job claimed already, or cancel-requested since the caller read it, is gone', async () => {
    const { prisma, pending, started } = setup();
    const job = await pending();
    expect((await claimJob(prisma, false, job, null)).kind).toBe('claimed');
    // the caller's row still says PENDING: the update's condition decides
    expect(await claimJob(prisma, false, job, null)).toEqual({ kind: 'gone' });
    expect(await started(job.id)).toBe(1);
    const other = await pending();
    await prisma.backupJob.update({ where: { id: job.id }, data: { status: 'COMPLETED', runningRepositoryId: null } });
    await prisma.backupJob.update({ where: { id: other.id }, data: { cancelRequestedAt: new Date() } });
    expect(await claimJob(prisma, false, other, null)).toEqual({ kind: 'gone' });
  });
});
