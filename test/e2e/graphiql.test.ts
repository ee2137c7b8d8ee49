import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

/**
 * The README's walkthrough in a real browser: GraphiQL loads from the server
 * alone (every request leaving 127.0.0.1 is blocked and recorded), takes the
 * token in its Headers tab, runs the mutations, and streams a subscription
 * (over SSE) until the backup completes. Needs Chromium (Debian: `apt-get
 * install chromium`; or CHROMIUM_PATH).
 */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
  (candidate): candidate is string => !!candidate && existsSync(candidate),
);

/** Replaces an editor's text the way a person does: click, select all, type. */
async function typeInto(page: Page, editor: ElementHandle, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.sendCharacter(text);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('GraphiQL in a browser', () => {
  const { dir, server } = useServer('graphiql');
  const source = path.join(dir, 'Documents');
  let browser: Browser;
  let page: Page;
  const external: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM_PATH');
    mkdirSync(source, { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(path.join(source, `f${i}.txt`), `file ${i}\n`.repeat(1000));
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== '127.0.0.1') {
        external.push(request.url());
        void request.abort();
      } else void request.continue();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads offline, takes the token in its Headers tab, runs the walkthrough and streams a subscription', async () => {
    await page.goto(server.graphqlUrl, { waitUntil: 'networkidle0' });
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    expect(await page.title()).toBe('borgql');

    await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Headers')?.click());
    const headersEditor = await page.waitForSelector('.graphiql-editor-tool .graphiql-editor:not(.hidden)');
    await typeInto(page, headersEditor!, JSON.stringify({ Authorization: `Bearer ${TEST_ADMIN_TOKEN}` }));
    const queryEditor = (await page.$('.graphiql-query-editor .graphiql-editor'))!;
    const response = () => page.evaluate(() => document.querySelector('.result-window')?.textContent?.replace(/\s+/g, ' ') ?? '');
    const run = async (operation: string, done: (text: string) => boolean) => {
      await typeInto(page, queryEditor, operation);
      await page.keyboard.down('Control');
      await page.keyboard.press('Enter');
      await page.keyboard.up('Control');
      return until(response, done);
    };

    const added = await run(
      `mutation { addRepository(input: { name: "home", path: "${path.join(dir, 'backups', 'home')}", sourcePaths: ["${source}"], passphrase: "a long passphrase", initialize: true }) { __typename ... on Error { message } } }`,
      (text) => text.includes('addRepository'),
    );
    expect(added).toContain('"__typename": "AddRepositorySuccess"');
    const started = await run('mutation { startBackup(repository: "home") { __typename ... on StartBackupSuccess { job { id } } } }', (text) =>
      text.includes('startBackup'),
    );
    expect(started).toContain('"id": "1"');
    const watched = await run('subscription { jobProgress(id: "1") { status progress { filesProcessed } } }', (text) => /COMPLETED|FAILED/.test(text));
    expect(watched).toContain('"status": "COMPLETED"');
    expect(watched).toContain('"filesProcessed": 20');
    expect(external).toEqual([]);
  }, 60_000);
});
