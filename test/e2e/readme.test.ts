import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, validate, type DocumentNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { collectSse, gql } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

/**
 * The README's examples as a newcomer copies them: every GraphQL block is
 * valid against the schema, the first-backup walkthrough and the one-mutation
 * scheduled repository run unchanged (only the example paths are replaced),
 * and the Borg UI-style shell script runs with real curl and jq.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The fenced code blocks of one language, in README order. */
function codeBlocks(language: string): string[] {
  return [...readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
}

/** The block that defines the named operation. */
function operation(name: string): string {
  const block = codeBlocks('graphql').find((text) => new RegExp(`^(query|mutation|subscription) ${name}\\b`, 'm').test(text));
  if (!block) throw new Error(`README has no operation ${name}`);
  return block;
}

/** Each operation of a block as its own document (a block may hold several anonymous ones). */
function operationsOf(document: DocumentNode): DocumentNode[] {
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).map((d) => ({ kind: Kind.DOCUMENT, definitions: [d, ...fragments] }));
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('README examples', () => {
  it('every GraphQL block is valid against the schema', () => {
    const blocks = codeBlocks('graphql');
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    for (const block of blocks) {
      const documents = operationsOf(parse(block));
      expect(documents.length, block).toBeGreaterThan(0);
      for (const document of documents) {
        expect(
          validate(schema, document).map((error) => error.message),
          block,
        ).toEqual([]);
      }
    }
  });

  describe('against a real server', () => {
    const { dir, server } = useServer('readme');
    const repositoryPath = path.join(dir, 'backups', 'home');
    const sourcePath = path.join(dir, 'Documents');
    const withPaths = (text: string) =>
      text
        .replaceAll('/srv/backups/home', repositoryPath)
        .replaceAll('/home/me/Documents', sourcePath)
        .replaceAll('/srv/backups/nas', path.join(dir, 'backups', 'nas'))
        .replaceAll('/srv/data', sourcePath);

    beforeAll(async () => {
      mkdirSync(path.join(sourcePath, '.cache'), { recursive: true });
      mkdirSync(path.join(dir, 'backups'));
      for (let i = 0; i < 50; i++) writeFileSync(path.join(sourcePath, `note-${i}.txt`), `note ${i}\n`.repeat(100));
      writeFileSync(path.join(sourcePath, '.cache', 'thumbnail.bin'), 'cached');
    });

    // On PostgreSQL its jobLogs stream once never ended: the job's end was published before its write landed, and a
    // subscriber arriving in between saw the job still held in memory and waited for a log close already past
    it('the first backup walkthrough works as written', async () => {
      const { addRepository } = await gql(server.graphqlUrl, withPaths(operation('AddRepository')));
      expect(addRepository).toMatchObject({ __typename: 'AddRepositorySuccess', repository: { path: repositoryPath, hasPassphrase: true } });

      const { startBackup } = await gql(server.graphqlUrl, withPaths(operation('StartBackup')));
      // the walkthrough watches job "1": the first job of a fresh data dir
      expect(startBackup).toMatchObject({ __typename: 'StartBackupSuccess', job: { id: '1' } });

      // GraphiQL runs subscriptions over SSE
      const progress = await collectSse<{ jobProgress: { status: string } }>(server.graphqlUrl, operation('Watch'));
      expect(progress.at(-1)?.jobProgress.status).toBe('COMPLETED');
      const log = await collectSse<{ jobLogs: { lineNumber: number; content: string } }>(server.graphqlUrl, operation('Log'));
      expect(log.map((entry) => entry.jobLogs.lineNumber)).toEqual(log.map((_, i) => i + 1));
      expect(log.map((entry) => entry.jobLogs.content).join('\n')).toContain('note-7.txt');
      expect(log.map((entry) => entry.jobLogs.content).join('\n')).not.toContain('thumbnail.bin');

      const { jobs } = await gql<{ jobs: any[] }>(server.graphqlUrl, operation('History'));
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ id: '1', status: 'COMPLETED', exitCode: 0, errorMessage: null });
      expect(jobs[0].progress.filesProcessed).toBeGreaterThanOrEqual(50);
      expect(jobs[0].logs.totalLines).toBe(log.length);
    });

    it('the scheduled, pruned repository is configured in one mutation', async () => {
      const { addRepository } = await gql(server.graphqlUrl, withPaths(operation('Nightly')));
      expect(addRepository.__typename).toBe('AddRepositorySuccess');
      expect(addRepository.repository.retention).toEqual({ keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
      expect(addRepository.repository.schedules).toEqual([{ id: expect.any(String), cron: '0 3 * * *' }]);
      // 03:00 in Berlin is 01:00 or 02:00 UTC
      expect(new Date(addRepository.repository.nextRunAt).getUTCHours()).toBeOneOf([1, 2]);
    });

    it('the Borg UI-style script runs unchanged with curl and jq and prints the whole log', async () => {
      const { createApiToken } = await gql(
        server.graphqlUrl,
        'mutation { createApiToken(name: "script", role: OPERATOR) { ... on CreateApiTokenSuccess { secret } } }',
      );
      const script = codeBlocks('sh').find((block) => block.startsWith('#!/bin/sh'));
      expect(script).toBeDefined();
      const { code, stdout, stderr } = await run('sh', ['-c', withPaths(script!).replaceAll('http://127.0.0.1:4000', server.url)], {
        BORGQL_TOKEN: createApiToken.secret,
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const { jobs } = await gql<{ jobs: { id: string; logs: { lines: { content: string }[] } }[] }>(
        server.graphqlUrl,
        'query { jobs(limit: 1) { id logs(offset: 0, limit: 10000) { lines { content } } } }',
      );
      const storedLog = jobs[0]!.logs.lines.map((line) => line.content);
      // the script prints the log lines, then jq's pretty-printed summary object
      const output = stdout.trimEnd().split('\n');
      const summaryStart = output.lastIndexOf('{');
      expect(JSON.parse(output.slice(summaryStart).join('\n'))).toMatchObject({ status: 'completed', progress: 100, error_message: null });
      expect(output.slice(0, summaryStart)).toEqual(storedLog);
    });
  });
});
