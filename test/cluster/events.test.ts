// A job that runs on node B, watched and read through node A (README
// "Running several nodes": borg runs where the data is, any node answers):
// its progress and every line of its log over graphql-ws and SSE, its REST
// form, its log download link, and each node's /metrics.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from '../helpers/cluster.js';
import {
  addRepository,
  CREATE_HOLDER,
  hold,
  jobEnded,
  jobRunning,
  makeSource,
  readJob,
  release,
  startBackup,
  storedLog,
  type AddedRepository,
} from '../helpers/cluster-jobs.js';
import { collectSse, collectWs } from '../helpers/graphql.js';
import { bearer } from '../helpers/server.js';

type Line = { lineNumber: number; content: string };
type Progress = { status: string; node: string | null; progress: { originalSize: number; filesProcessed: number } };
const LOGS = 'subscription($id: ID!) { jobLogs(id: $id, offset: 0) { lineNumber content } }';
const PROGRESS = 'subscription($id: ID!) { jobProgress(id: $id) { status node progress { originalSize filesProcessed } } }';

describe('a job on node B seen through node A', () => {
  const cluster = useCluster('events', { env: { BORG_BIN: CREATE_HOLDER } });
  const a = cluster.node('A');
  const b = cluster.node('B');
  let repository: AddedRepository;

  beforeAll(async () => {
    // a line per file ("*"): a few hundred log lines, written while A's subscribers listen
    const source = makeSource(cluster.dir, 'events', 400, 8 * 1024);
    repository = await addRepository(b, cluster.dir, { name: 'on-b', sourcePaths: [source], listFilter: '*' });
  }, 60_000);

  it('the repository belongs to B, which added it; a backup started through A runs on B', async () => {
    expect(repository.node).toBe('B');
    hold(repository.path);
    const id = await startBackup(a, repository.path);
    try {
      await jobRunning(a, id);
      expect(await readJob(a, id)).toMatchObject({ status: 'RUNNING', node: 'B' });

      // three watchers on A, subscribed while borg is held back: the replay from the database then the live lines from B
      const lines: Line[] = [];
      const ws = collectWs<{ jobLogs: Line }>(a.ws, LOGS, { id }, (data) => lines.push(data.jobLogs));
      const progress = collectWs<{ jobProgress: Progress }>(a.ws, PROGRESS, { id });
      const sse = collectSse<{ jobLogs: Line }>(a.graphqlUrl, LOGS, { id });
      // the first line arrives once the subscription is in place (the job's command line, written before borg started)
      await expect.poll(() => lines.length, { timeout: 20_000 }).toBeGreaterThan(0);
      release(repository.path);

      const [wsLines, sseLines, states] = await Promise.all([ws, sse, progress]);
      const ended = await jobEnded(a, id);
      expect(ended).toMatchObject({ status: 'COMPLETED', node: 'B' });
      const stored = await storedLog(b, id);
      expect(stored.length).toBeGreaterThan(400);
      // every line once, in order, no gap: exactly B's stored log, over both transports
      expect(stored.map((line) => line.lineNumber)).toEqual(stored.map((_, i) => i + 1));
      expect(wsLines.map((data) => data.jobLogs)).toEqual(stored);
      expect(sseLines.map((data) => data.jobLogs)).toEqual(stored);
      // and A serves the same stored log
      expect(await storedLog(a, id)).toEqual(stored);

      // progress from B's borg reached A while it ran, growing, and the end came through
      const running = states.map((data) => data.jobProgress).filter((state) => state.status === 'RUNNING');
      expect(running.some((state) => state.progress.originalSize > 0)).toBe(true);
      const sizes = running.map((state) => state.progress.originalSize);
      expect(sizes).toEqual([...sizes].sort((x, y) => x - y));
      expect(states.at(-1)?.jobProgress).toMatchObject({ status: 'COMPLETED', node: 'B' });
    } finally {
      release(repository.path);
    }
  }, 300_000);

  it('REST through A: start, status, log stream and the log download link B issued', async () => {
    const started = await a.rest('POST', '/api/backup/start', { body: { repository: repository.path } });
    expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
    const id = String(started.body.job_id);
    const ended = await jobEnded(b, id);
    expect(ended).toMatchObject({ status: 'COMPLETED', node: 'B' });

    const status = await a.rest('GET', `/api/backup/status/${id}`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ id: Number(id), repository: repository.path, status: 'completed' });
    const list = await a.rest('GET', '/api/backup/jobs?limit=5');
    expect(list.body.jobs.map((job: { id: number }) => job.id)).toContain(Number(id));

    const stored = await storedLog(b, id);
    const stream = await a.rest('GET', `/api/backup/logs/${id}/stream?offset=0&limit=${stored.length}`);
    expect(stream.body.lines.map((line: { line_number: number; content: string }) => ({ lineNumber: line.line_number, content: line.content }))).toEqual(
      stored,
    );

    // a link B signed works on A: every node has the same download-token.key
    const { logDownloadUrl } = await b.gql<{ logDownloadUrl: string }>('mutation($id: ID!) { logDownloadUrl(jobId: $id) }', { id });
    const link = new URL(logDownloadUrl);
    const download = await fetch(`${a.url}${link.pathname}${link.search}`);
    expect(download.status).toBe(200);
    expect((await download.text()).trimEnd().split('\n')).toEqual(stored.map((line) => line.content));
  }, 300_000);

  it('/metrics of each node carries its node label', async () => {
    for (const node of [a, b]) {
      const response = await fetch(`${node.url}/metrics`, { headers: bearer() });
      expect(response.status).toBe(200);
      const families = parsePrometheusTextFormat(await response.text());
      for (const name of ['borgql_jobs_running', 'borgql_queue_depth']) {
        const metrics = families.find((family) => family.name === name)?.metrics ?? [];
        expect(metrics.length, name).toBeGreaterThan(0);
        for (const metric of metrics) expect(metric.labels?.node, name).toBe(node.name);
      }
    }
  }, 30_000);
});
