// The codec of the payloads that cross nodes over Redis: every pubsub topic's
// payload comes back exactly (Dates, BigInts, nulls), in order, and a job's
// encrypted passphrase does not leave the node.
import { describe, expect, it } from 'vitest';
import { REDACTED_SECRET, decodeEntries, encodeEntries, encodeEntry, joinEntries, type TopicEntry } from '../../src/events/event-codec.js';
import type { EventRecord } from '../../src/domain/event-types.js';
import type { LogLine } from '../../src/logs/log-line.js';
import { jobRow } from '../helpers/cluster-events.js';

const withoutSecret = (job: ReturnType<typeof jobRow>) => ({ ...job, repository: { ...job.repository, passphrase: REDACTED_SECRET } });

describe('event codec', () => {
  it('round-trips a job state exactly, Dates and BigInts included, with its passphrase redacted', () => {
    const job = jobRow(3);
    const [entry] = decodeEntries(encodeEntries([{ topic: 'job', key: 3, payload: job }]));
    expect(entry!.topic).toBe('job');
    expect(entry!.key).toBe(3);
    const decoded = entry!.payload as typeof job;
    expect(decoded).toStrictEqual(withoutSecret(job));
    expect(decoded.createdAt).toBeInstanceOf(Date);
    expect(decoded.originalSize).toBe(9_007_199_254_740_993n); // above 2^53: not through a number
    expect(decoded.repository.updatedAt.getTime()).toBe(job.repository.updatedAt.getTime());
    expect(decoded.completedAt).toBeNull();
    // as wiring.ts publishes a state: to job, then the same object to jobs (encoded once)
    const both = decodeEntries(
      encodeEntries([
        { topic: 'job', key: 3, payload: job },
        { topic: 'jobs', key: 'all', payload: job },
      ]),
    );
    expect(both).toStrictEqual([
      { topic: 'job', key: 3, payload: withoutSecret(job) },
      { topic: 'jobs', key: 'all', payload: withoutSecret(job) },
    ]);
  });

  it('never puts the encrypted passphrase on the wire; no passphrase stays null, a passcommand stays as it is', () => {
    const job = jobRow(4);
    expect(encodeEntry({ topic: 'jobs', key: 'all', payload: job })).not.toContain('c2VjcmV0LWNpcGhlcnRleHQ');
    const plain = jobRow(5, { repository: { ...job.repository, passphrase: null, passcommand: 'pass show borg' } });
    const [entry] = decodeEntries(encodeEntries([{ topic: 'jobs', key: 'all', payload: plain }]));
    expect(entry!.payload).toStrictEqual(plain);
    // the job object published locally is left alone
    expect(job.repository.passphrase).toBe('borgql-secret:v1:c2VjcmV0LWNpcGhlcnRleHQ');
  });

  it('round-trips log lines, the log-complete null and events, in order', () => {
    const line: LogLine = { lineNumber: 12, content: 'A /data/x\\n"y"', level: 'INFO', time: new Date(1_764_684_000_001) };
    const timeless: LogLine = { lineNumber: 13, content: '', level: null, time: null };
    const event: EventRecord = {
      sequence: 99,
      type: 'JOB_COMPLETED',
      jobId: 3,
      repositoryId: 7,
      occurredAt: new Date('2026-12-02T14:05:00.000Z'),
      payload: '{"job":{"id":3}}',
    };
    const entries: TopicEntry[] = [
      { topic: 'jobLog', key: 3, payload: line },
      { topic: 'jobLog', key: 3, payload: timeless },
      { topic: 'jobLog', key: 3, payload: null },
      { topic: 'events', key: 'all', payload: event },
    ];
    expect(decodeEntries(encodeEntries(entries))).toStrictEqual(entries);
  });

  it('keeps what JSON alone would lose: undefined fields, NaN and infinite numbers, an invalid Date', () => {
    const job = jobRow(6, {
      percent: Number.NaN,
      speedMBps: Number.POSITIVE_INFINITY,
      startedAt: new Date(Number.NaN),
      errorMessage: undefined as unknown as null,
    });
    const [entry] = decodeEntries(joinEntries([encodeEntry({ topic: 'job', key: 6, payload: job })]));
    const decoded = entry!.payload as typeof job;
    expect(decoded.percent).toBeNaN();
    expect(decoded.speedMBps).toBe(Number.POSITIVE_INFINITY);
    expect(decoded.startedAt).toBeInstanceOf(Date);
    expect(decoded.startedAt!.getTime()).toBeNaN();
    expect(Object.hasOwn(decoded, 'errorMessage')).toBe(true);
    expect(decoded.errorMessage).toBeUndefined();
  });

  it('skips entries of topics it does not share, and refuses text it did not write', () => {
    expect(decodeEntries('[["job",1,null],["nodes","all",{}],["jobLog",2,null]]')).toStrictEqual([
      { topic: 'job', key: 1, payload: null },
      { topic: 'jobLog', key: 2, payload: null },
    ]);
    expect(() => decodeEntries('not json')).toThrow(SyntaxError);
    expect(() => decodeEntries('{"a":1}')).toThrow(TypeError);
    expect(decodeEntries('[]')).toStrictEqual([]);
  });
});
