import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALKTHROUGH_OPERATIONS } from '../../src/server/graphiql-tabs.js';
import { CHROMIUM, until } from '../helpers/browser.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

/**
 * The README's walkthrough in a real browser: GraphiQL loads from the server
 * alone (every request leaving 127.0.0.1 is blocked and recorded), takes the
 * token in its Headers tab, runs the mutations, and streams a subscription
 * (over SSE) until the backup completes. Needs Chromium (Debian: `apt-get
 * install chromium`; or CHROMIUM_PATH).
 */

/** Replaces an editor's text the way a person does: click, select all, type. */
async function typeInto(page: Page, editor: ElementHandle, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.sendCharacter(text);
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

    // a tab of its own: the walkthrough's tabs keep their operations (and GraphiQL their operation names)
    await page.click('.graphiql-tab-add');
    await until(
      () => page.evaluate(() => document.querySelector('.graphiql-tab-active .graphiql-tab-button')?.textContent?.trim()),
      (name) => name === '<untitled>',
    );

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

  it('opens with the README walkthrough in tabs, word for word', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const operation of WALKTHROUGH_OPERATIONS) expect(readme).toContain(`\`\`\`graphql\n${operation}\n\`\`\``);
    // a fresh profile: GraphiQL keeps the tabs of an earlier visit instead
    const context = await browser.createBrowserContext();
    try {
      const fresh = await context.newPage();
      await fresh.goto(server.graphqlUrl, { waitUntil: 'networkidle0' });
      await fresh.waitForSelector('.graphiql-container', { timeout: 20_000 });
      const tabs = await until(
        () => fresh.evaluate(() => [...document.querySelectorAll('.graphiql-tab .graphiql-tab-button')].map((tab) => tab.textContent?.trim())),
        (names) => names.length >= WALKTHROUGH_OPERATIONS.length,
      );
      expect(tabs).toEqual(['AddRepository', 'StartBackup', 'Watch', 'Log', 'History']);
    } finally {
      await context.close();
    }
  }, 60_000);
});
