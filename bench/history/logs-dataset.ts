/**
 * Job logs for a generated history (bench/history/dataset.ts): every job
 * gets the lines a real backup leaves with the default list filter (AME):
 * borgql's notes, the pre-scan line, the added and modified files and borg's
 * exit; a few jobs are first backups that listed every file. Written as
 * borgql stores them (JobLogBlock rows of 1,000 lines, src/logs/log-blocks.ts),
 * straight through better-sqlite3: Prisma would take hours for this many.
 */
import Database from 'better-sqlite3';
import { encodeLines } from '../../src/logs/log-blocks.js';
import type { LogLine } from '../../src/logs/log-line.js';
import { prng } from '../lib/random.js';

/** How many lines the jobs get. */
export interface LogSpec {
  /** changed-file lines of an ordinary job: 0..max, skewed towards few (random³) */
  maxFileLines: number;
  /** every n-th job is a large one (a first backup listing every file) */
  largeEvery: number;
  largeLines: number;
}

/** The server's block size (LogStore's default blockLines). */
const BLOCK_LINES = 1000;
const FOLDERS = ['home/alice/Documents', 'home/bob/src/app', 'var/lib/postgresql/16/main', 'etc', 'srv/www/static/img', 'home/alice/Pictures/2025'];

/** A DateTime column as Prisma's SQLite adapter stored it: epoch milliseconds or ISO text. */
function epochMs(value: number | string): number {
  return typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

/** The lines of one job, times spread over its run. */
function jobLines(job: { id: number; createdMs: number; completedMs: number; status: string; repository: string }, files: number): LogLine[] {
  const lines: LogLine[] = [];
  const span = Math.max(1, job.completedMs - job.createdMs);
  const total = files + 4;
  const at = (n: number) => new Date(job.createdMs + Math.floor((span * n) / total));
  const push = (content: string, level: string | null) => lines.push({ lineNumber: lines.length + 1, content, level, time: at(lines.length) });
  push(`borg create --log-json --progress --json --list --filter=AME --lock-wait 5 --compression=lz4 -- ${job.repository}::borgql-${job.id}`, 'INFO');
  push(`pre-scan: ${files * 37 + 1000} files, ${files * 91_000 + 1_000_000} bytes to read`, 'INFO');
  for (let i = 0; i < files; i++) {
    const folder = FOLDERS[(job.id + Math.floor(i / 50)) % FOLDERS.length];
    push(`${i % 7 === 0 ? 'M' : 'A'} /${folder}/file-${job.id % 97}-${i}.dat`, 'INFO');
  }
  if (job.status === 'COMPLETED_WITH_WARNINGS') push('/home/bob/.cache/lockfile: file changed while we backed it up', 'WARNING');
  push(
    `borg create exited with code ${job.status === 'COMPLETED' ? 0 : job.status === 'COMPLETED_WITH_WARNINGS' ? 1 : 2}`,
    job.status === 'FAILED' ? 'ERROR' : 'INFO',
  );
  return lines;
}

/** Adds every job's log to the database file; logs progress every 10 % of the jobs. */
export function addLogs(file: string, seed: string, spec: LogSpec, log: (m: string) => void): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const random = prng(`${seed}/logs`);
  const jobs = db
    .prepare<[], { id: number; createdAt: number | string; completedAt: number | string; status: string; repositoryPath: string }>(
      'SELECT id, createdAt, completedAt, status, repositoryPath FROM BackupJob ORDER BY id',
    )
    .all();
  const insert = db.prepare('INSERT INTO JobLogBlock (jobId, firstLine, lastLine, data) VALUES (?, ?, ?, ?)');
  const count = db.prepare('UPDATE BackupJob SET logLineCount = ? WHERE id = ?');
  const write = db.transaction((batch: { id: number; lines: LogLine[] }[]) => {
    for (const { id, lines } of batch) {
      for (let i = 0; i < lines.length; i += BLOCK_LINES) {
        const block = lines.slice(i, i + BLOCK_LINES);
        insert.run(id, block[0]!.lineNumber, block.at(-1)!.lineNumber, encodeLines(block));
      }
      count.run(lines.length, id);
    }
  });
  let batch: { id: number; lines: LogLine[] }[] = [];
  let lines = 0;
  for (const [n, job] of jobs.entries()) {
    const files = job.id % spec.largeEvery === 0 ? spec.largeLines : Math.floor(random() ** 3 * (spec.maxFileLines + 1));
    const generated = jobLines(
      { id: job.id, createdMs: epochMs(job.createdAt), completedMs: epochMs(job.completedAt), status: job.status, repository: job.repositoryPath },
      files,
    );
    batch.push({ id: job.id, lines: generated });
    lines += generated.length;
    if (lines >= 200_000 || n === jobs.length - 1) {
      write(batch);
      batch = [];
    }
    if (n > 0 && n % Math.max(1, Math.floor(jobs.length / 10)) === 0) log(`  logs: ${n.toLocaleString('en')} of ${jobs.length.toLocaleString('en')} jobs`);
    if (lines >= 200_000) lines = 0;
  }
  db.close();
}
