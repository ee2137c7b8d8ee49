/**
 * `npx tsx scripts/measure-redis-events.ts [REDIS_URL]`: how much events
 * across nodes cost (src/events/redis-bus.ts). Measures the codec per
 * payload, then sends 200,000 log lines from one node to another through a
 * local Redis, batched as the bus does and, for comparison, one message per
 * line. Not a test (speed is no assertion); the numbers it printed when the
 * batching was chosen are in docs/architecture.md ("Events across nodes").
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { decodeEntries, encodeEntry, joinEntries, type TopicEntry } from '../src/events/event-codec.js';
import { PubSub } from '../src/events/pubsub.js';
import { RedisBus } from '../src/events/redis-bus.js';
import type { JobTopics } from '../src/events/topics.js';
import { wireEvents } from '../src/events/wiring.js';
import { createJobEvents } from '../src/jobs/job-events.js';
import { jobRow } from '../test/helpers/cluster-events.js';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const LINES = 200_000;

function perOp(label: string, count: number, fn: () => void): void {
  const start = performance.now();
  for (let i = 0; i < count; i++) fn();
  console.log(`${label}: ${(((performance.now() - start) * 1000) / count).toFixed(2)} µs each`);
}

const job = jobRow(1);
const line = { lineNumber: 1, content: 'A /home/user/projects/borgql/node_modules/some-package/dist/index.js', level: null, time: new Date() };
const jobEntry: TopicEntry = { topic: 'job', key: 1, payload: job };
const lineEntry: TopicEntry = { topic: 'jobLog', key: 1, payload: line };
perOp('encode a job state', 50_000, () => encodeEntry(jobEntry));
perOp('encode a log line', 200_000, () => encodeEntry(lineEntry));
const jobText = joinEntries([encodeEntry(jobEntry)]);
const lineBatch = joinEntries(Array.from({ length: 500 }, () => encodeEntry(lineEntry)));
perOp('decode a job state', 50_000, () => decodeEntries(jobText));
perOp('decode a batch of 500 log lines', 400, () => decodeEntries(lineBatch));
perOp('encode a job state to job, then jobs (as wiring.ts publishes it)', 50_000, () => {
  encodeEntry(jobEntry);
  encodeEntry({ topic: 'jobs', key: 'all', payload: job });
});

async function throughput(): Promise<void> {
  const prefix = `borgql-measure-${randomBytes(4).toString('hex')}`;
  const nodes = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const bus = new RedisBus({ url, prefix, nodeName: name, warn: (message) => console.error(message) });
      const pubsub = new PubSub<JobTopics>();
      const events = createJobEvents();
      const { logEvents } = wireEvents(events, pubsub, bus);
      await bus.connect();
      return { bus, pubsub, logEvents };
    }),
  );
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  let received = 0;
  const all = new Promise<void>((resolve) => a.pubsub.listen('jobLog', 1, () => ++received === LINES && resolve()));
  const start = performance.now();
  // as borg prints: bursts of 1,000 lines per turn of the event loop
  for (let n = 1; n <= LINES; n++) {
    b.logEvents.onLine(1, { ...line, lineNumber: n });
    if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await all;
  const seconds = (performance.now() - start) / 1000;
  console.log(`batched through Redis: ${LINES} lines in ${seconds.toFixed(2)} s (${Math.round(LINES / seconds)} lines/s)`);
  await Promise.all(nodes.map((node) => node.bus.close()));
}

async function unbatched(): Promise<void> {
  const channel = `borgql-measure-${randomBytes(4).toString('hex')}:topics`;
  const publisher = new Redis(url);
  const subscriber = new Redis(url);
  await subscriber.subscribe(channel);
  let received = 0;
  const all = new Promise<void>((resolve) =>
    subscriber.on('message', (_channel: string, message: string) => {
      decodeEntries(message);
      if (++received === LINES) resolve();
    }),
  );
  const start = performance.now();
  for (let n = 1; n <= LINES; n++) {
    void publisher.publish(channel, joinEntries([encodeEntry({ topic: 'jobLog', key: 1, payload: { ...line, lineNumber: n } })]));
    if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await all;
  const seconds = (performance.now() - start) / 1000;
  console.log(`one message per line: ${LINES} lines in ${seconds.toFixed(2)} s (${Math.round(LINES / seconds)} lines/s)`);
  publisher.disconnect();
  subscriber.disconnect();
}

await throughput();
await unbatched();
