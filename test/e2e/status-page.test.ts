import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/borg.js';
import { CHROMIUM, until } from '../helpers/browser.js';
import { AddRepositoryDocument } from '../helpers/typed-documents.js';
import { gql, gqlRaw } from '../helpers/graphql.js';
import { TEST_ADMIN_TOKEN, startServer, tempDir, type TestServer } from '../helpers/server.js';

/**
 * The status page at `/` in a real browser, sized like a phone: it loads
 * from the server alone (every request to another origin is blocked and
 * recorded), takes the token once, and shows a backup started meanwhile
 * with a moving bar until its outcome.
 */
describe('the status page', () => {
  const tmp = tempDir('status-page');
  const sources = path.join(tmp.dir, 'src');
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const elsewhere: string[] = [];

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM_PATH');
    // a few thousand files: borg reports progress many times before it is done
    makeTree(sources, 3000, 20_000);
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    const { addRepository } = await gql(server.graphqlUrl, AddRepositoryDocument, {
      input: { name: 'home', path: path.join(tmp.dir, 'repo'), sourcePaths: [sources], encryption: 'none', initialize: true },
    });
    expect(addRepository.__typename).toBe('AddRepositorySuccess');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== server.url) {
        elsewhere.push(request.url());
        void request.abort();
      } else void request.continue();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('is served without a token, with a policy that forbids other origins; its data needs a token', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"]) expect(policy).toContain(directive);
    for (const asset of ['/status/app.js', '/status/style.css']) expect((await fetch(`${server.url}${asset}`)).status).toBe(200);
    expect((await fetch(`${server.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect((await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, { authorization: '' })).status).toBe(401);
  });

  it('takes the token once, then shows a backup started meanwhile with a moving bar and its outcome', async () => {
    await page.goto(`${server.url}/`, { waitUntil: 'networkidle0' });
    expect(await page.title()).toBe('borgql status');
    await page.type('#token', TEST_ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'live', { timeout: 20_000 });
    expect(await page.$eval('#repositories', (list) => list.textContent)).toContain('home');
    expect(await page.evaluate(() => sessionStorage.getItem('borgql.token'))).toBe(TEST_ADMIN_TOKEN);

    // every state the page draws for the job, as drawn
    await page.evaluate(() => {
      const seen: { percent: number; sparkline: number }[] = [];
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('#running [data-job-id="1"] .bar');
        if (bar)
          seen.push({ percent: Number(bar.getAttribute('aria-valuenow')), sparkline: document.querySelectorAll('#running [data-job-id="1"] polyline').length });
      }).observe(document.querySelector('#running')!, { childList: true, subtree: true });
    });
    const { startBackup } = await gql(server.graphqlUrl, 'mutation { startBackup(repository: "home") { ... on StartBackupSuccess { job { id } } } }');
    expect(startBackup.job.id).toBe('1');

    const outcome = await until(
      () => page.evaluate(() => document.querySelector('#recent tr[data-job-id="1"] .status')?.textContent ?? null),
      (text) => text !== null,
      60_000,
    );
    expect(outcome).toBe('completed');
    const seen = await page.evaluate(() => (window as unknown as { seen: { percent: number; sparkline: number }[] }).seen);
    const percents = [...new Set(seen.map((state) => state.percent))];
    // the bar moved: several different positions while the backup ran
    expect(percents.filter((percent) => percent > 0 && percent < 100).length, JSON.stringify(percents)).toBeGreaterThanOrEqual(2);
    expect(seen.every((state) => state.sparkline === 1)).toBe(true);
    expect(await page.$eval('#running', (list) => list.children.length)).toBe(0);
    expect(await page.$eval('#repositories', (list) => list.textContent)).toContain('last job 1: completed');

    // readable on a phone: nothing wider than the screen
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(elsewhere).toEqual([]);
  }, 90_000);

  it('keeps the token for the tab: a reload shows the status without asking again', async () => {
    // not networkidle: the page keeps its subscription open
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'live', { timeout: 20_000 });
    expect(await page.$eval('#login', (form) => (form as HTMLElement).hidden)).toBe(true);
    expect(await page.$eval('#recent', (table) => table.textContent)).toContain('completed');
    expect(elsewhere).toEqual([]);
  });
});
