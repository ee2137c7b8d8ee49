/**
 * What waking an idle machine costs one request, measured in the same run
 * as the pairs. Every API run starts with a request to a server that sat
 * idle through the pause before it, and on a virtual machine a process
 * waiting in epoll on an idle CPU wakes late (seen here: a 500 ms timer
 * fired 9 ms late). Raw borg is spawned by the benchmark process itself,
 * already awake. The same request is timed after the same pause and
 * back-to-back, against borgql and against a plain Node HTTP server in a
 * child process (what any server pays, borgql's own work aside).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLClient } from '../lib/graphql.js';
import { summarize } from '../lib/stats.js';

/** Median round trips (ms) of one server: after the pause, and back-to-back. */
export interface RoundTrips {
  afterPause: number;
  backToBack: number;
}

/** {@link measureWakeUp}'s result. */
export interface WakeUp {
  borgql: RoundTrips;
  plainNode: RoundTrips;
  rounds: number;
  pauseMs: number;
}

const PLAIN_SERVER = `
const server = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"data":{"__typename":"Query"}}')); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startPlainServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', PLAIN_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  // a child that dies before printing its port fails the measurement instead of leaving it waiting
  const exited = once(child, 'exit').then(([code]) => Promise.reject(new Error(`the plain Node server exited (code ${String(code)}) before listening`)));
  // its later exit (killed when done) rejects too: that one is nobody's concern
  exited.catch(() => undefined);
  const [chunk] = (await Promise.race([once(child.stdout, 'data'), exited])) as [Buffer];
  return { child, url: `http://127.0.0.1:${chunk.toString().trim()}/` };
}

async function roundTrips(request: () => Promise<unknown>, rounds: number, pauseMs: number): Promise<RoundTrips> {
  const time = async () => {
    const start = performance.now();
    await request();
    return performance.now() - start;
  };
  const afterPause: number[] = [];
  const backToBack: number[] = [];
  for (let i = 0; i < rounds; i++) {
    execFileSync('sync');
    await sleep(pauseMs);
    afterPause.push(await time());
    backToBack.push(await time());
  }
  return { afterPause: summarize(afterPause).median, backToBack: summarize(backToBack).median };
}

/** Times `{ __typename }` on borgql (`http`) and a plain Node server, each `rounds` times after `pauseMs` and right after. */
export async function measureWakeUp(http: GraphQLClient, pauseMs: number, rounds: number): Promise<WakeUp> {
  const borgql = await roundTrips(() => http.request('{ __typename }'), rounds, pauseMs);
  const plain = await startPlainServer();
  try {
    const request = async () => (await fetch(plain.url, { method: 'POST', body: '{"query":"{ __typename }"}' })).text();
    await request();
    return { borgql, plainNode: await roundTrips(request, rounds, pauseMs), rounds, pauseMs };
  } finally {
    plain.child.kill();
  }
}

/** The report's sentence on {@link WakeUp}. */
export function wakeUpSentence(w: WakeUp): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return (
    `Waking the idle machine (after the pairs, ${w.rounds} rounds): a \`{ __typename }\` request to borgql after the same ${w.pauseMs} ms pause took ${ms(w.borgql.afterPause)} (median), ` +
    `back-to-back ${ms(w.borgql.backToBack)}; to a plain Node HTTP server in a child process ${ms(w.plainNode.afterPause)} against ${ms(w.plainNode.backToBack)}. ` +
    `Every API run's first request pays that difference on this machine whatever the server; raw borg, spawned by the already awake benchmark process, does not.`
  );
}
