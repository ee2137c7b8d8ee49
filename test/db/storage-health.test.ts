// StorageHealth (what /healthz reports) and RetryBackoff (how failing writes are retried).
import { describe, expect, it } from 'vitest';
import { RetryBackoff, StorageHealth, describeStorageError } from '../../src/db/storage-health.js';

describe('StorageHealth', () => {
  it('is healthy until a writer fails, names the oldest failure and counts the others, and is healthy again once all recovered', () => {
    const health = new StorageHealth();
    expect(health.problem()).toBeNull();
    health.failed('the log of job 7', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(health.problem()).toMatch(/^cannot save the log of job 7 since \d{4}-\d\d-\d\dT[\d:.]+Z: the data disk is full$/);
    health.failed('the state of job 7', new Error('SQLITE_FULL: database or disk is full'));
    health.failed('the log of job 7', new Error('disk I/O error'));
    expect(health.problem()).toMatch(/^cannot save the log of job 7 since .*: the data disk reports I\/O errors \(and 1 more waiting to be saved\)$/);
    health.recovered('the log of job 7');
    expect(health.problem()).toMatch(/^cannot save the state of job 7 since .*: the data disk is full$/);
    health.recovered('the state of job 7');
    expect(health.problem()).toBeNull();
  });

  it('describes storage errors with fixed phrases (the health check is unauthenticated: no raw messages, no paths)', () => {
    expect(describeStorageError(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe('the data disk is full');
    expect(describeStorageError(new Error("ENOSPC: no space left on device, write '/srv/secret/path'"))).toBe('the data disk is full');
    expect(describeStorageError(Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }))).toBe(
      'the database is read-only',
    );
    expect(describeStorageError(new Error('database is locked'))).toBe('the database is locked by another process');
    expect(describeStorageError(new Error('something else at /srv/secret'))).toBe('writing to the database failed');
    expect(describeStorageError('a string')).toBe('writing to the database failed');
  });

  it('names PostgreSQL’s failures the same way (SyncPostgres errors carry SQLSTATE or errno codes)', () => {
    const postgres = (message: string, code: string) => Object.assign(new Error(message), { code });
    expect(describeStorageError(postgres('could not extend file "base/16384/2619": No space left on device', '53100'))).toBe('the data disk is full');
    expect(describeStorageError(postgres('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe('the database does not answer');
    expect(describeStorageError(postgres('terminating connection due to administrator command', '57P01'))).toBe('the database does not answer');
    expect(describeStorageError(postgres('PostgreSQL did not answer within 30 s', 'ETIMEDOUT'))).toBe('the database does not answer');
    expect(describeStorageError(postgres('duplicate key value violates unique constraint', '23505'))).toBe('writing to the database failed');
  });
});

describe('RetryBackoff', () => {
  it('doubles from the initial delay up to the maximum, and starts over after a success', () => {
    const backoff = new RetryBackoff({ initialMs: 1000, maxMs: 15_000 });
    expect(backoff.failing).toBe(false);
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.failed())).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(backoff.failing).toBe(true);
    backoff.succeeded();
    expect(backoff.failing).toBe(false);
    expect(backoff.failed()).toBe(1000);
  });
});
