// The status page at `/` (README, "Status page"): repositories, running jobs
// with live progress bars and a throughput sparkline, the last outcomes. Plain
// JavaScript served as it is (no build step, no CDN); the token stays in this
// tab's sessionStorage. Its operations are checked against schema.graphql by
// GraphQL Code Generator (`npm run codegen`): the /* GraphQL */ tags mark them.

const TOKEN_KEY = 'borgql.token';
const RECENT = 20;
/** throughput samples kept per running job for its sparkline */
const SAMPLES = 60;

const JOB_FIELDS = /* GraphQL */ `
  fragment StatusJob on BackupJob {
    id
    status
    repositoryPath
    archiveName
    createdAt
    completedAt
    errorMessage
    progress {
      percent
      originalSize
      speedMBps
      etaSeconds
      currentFile
    }
  }
`;

const OVERVIEW = /* GraphQL */ `
  query StatusOverview($recent: Int!) {
    repositories {
      id
      name
      path
      lastJob {
        id
        status
        completedAt
      }
    }
    jobs(limit: $recent) {
      ...StatusJob
    }
  }
`;

const EVENTS = /* GraphQL */ `
  subscription StatusJobEvents {
    jobEvents {
      ...StatusJob
    }
  }
`;

const $ = (selector) => document.querySelector(selector);
const jobs = new Map();
const speeds = new Map();
let repositories = [];
let stream = null;

class Unauthorized extends Error {}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(accept) {
  return { 'content-type': 'application/json', accept, authorization: `Bearer ${token()}` };
}

async function post(query, variables, accept, signal) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: headers(accept),
    body: JSON.stringify({ query: query + JOB_FIELDS, variables }),
    signal,
  });
  if (response.status === 401) throw new Unauthorized('the server refused this token');
  return response;
}

async function query(text, variables) {
  const body = await (await post(text, variables, 'application/graphql-response+json')).json();
  if (body.errors?.length) throw new Error(body.errors[0].message);
  return body.data;
}

/** GraphQL over SSE (distinct connections): calls `next` per event until the stream ends. */
async function subscribe(text, next, signal) {
  const response = await post(text, {}, 'text/event-stream', signal);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(message)?.[1];
      const data = /^data: (.*)$/m.exec(message)?.[1];
      if (event === 'complete') return;
      if (event === 'next' && data) {
        const payload = JSON.parse(data);
        if (payload.errors?.length) throw new Error(payload.errors[0].message);
        next(payload.data);
      }
    }
  }
}

function bytes(value) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function seconds(value) {
  if (value === null || value === undefined) return '?';
  return value >= 60 ? `${Math.floor(value / 60)}m${String(value % 60).padStart(2, '0')}s` : `${value}s`;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function sparkline(samples) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', `0 0 ${SAMPLES - 1} 100`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-label', 'throughput, MB/s');
  const max = Math.max(1, ...samples);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', samples.map((speed, i) => `${i + SAMPLES - samples.length},${100 - (speed / max) * 95}`).join(' '));
  svg.append(line);
  return svg;
}

function runningCard(job) {
  const fill = element('div', { class: 'fill' });
  // CSSOM, not a style attribute: the Content-Security-Policy allows no inline styles
  fill.style.width = `${job.progress.percent}%`;
  const percent = element('span', { class: 'percent' }, `${job.progress.percent.toFixed(1)}%`);
  return element(
    'li',
    { 'data-job-id': job.id, 'data-status': job.status },
    element('strong', {}, `job ${job.id} `),
    element('span', { class: 'muted' }, job.status === 'PENDING' ? 'waiting' : job.repositoryPath),
    element('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(job.progress.percent) }, fill),
    element(
      'div',
      { class: 'figures' },
      percent,
      element('span', {}, bytes(job.progress.originalSize)),
      element('span', {}, `${job.progress.speedMBps.toFixed(1)} MB/s`),
      element('span', {}, `ETA ${seconds(job.progress.etaSeconds)}`),
    ),
    sparkline(speeds.get(job.id) ?? []),
    element('div', { class: 'file' }, job.progress.currentFile ?? ''),
  );
}

function render() {
  const all = [...jobs.values()].sort((a, b) => Number(b.id) - Number(a.id));
  const running = all.filter((job) => job.status === 'RUNNING' || job.status === 'PENDING');
  $('#running').replaceChildren(...running.map(runningCard));
  $('#idle').hidden = running.length > 0;
  $('#repositories').replaceChildren(
    ...repositories.map((repository) => {
      const last = repository.lastJob;
      const outcome = last
        ? element('span', { class: `status-${last.status}` }, `last job ${last.id}: ${last.status.toLowerCase()}`)
        : element('span', { class: 'muted' }, 'no job yet');
      return element('li', {}, element('strong', {}, repository.name), element('div', { class: 'muted' }, repository.path), outcome);
    }),
  );
  const ended = all.filter((job) => job.status !== 'RUNNING' && job.status !== 'PENDING').slice(0, RECENT);
  $('#recent tbody').replaceChildren(
    ...ended.map((job) =>
      element(
        'tr',
        { 'data-job-id': job.id },
        element('td', {}, job.id),
        element('td', { class: `status status-${job.status}`, title: job.errorMessage ?? '' }, job.status.toLowerCase().replaceAll('_', ' ')),
        element('td', {}, job.repositoryPath),
        element('td', {}, job.completedAt ? new Date(job.completedAt).toLocaleString() : ''),
        element('td', {}, bytes(job.progress.originalSize)),
      ),
    ),
  );
}

function remember(job) {
  const known = jobs.get(job.id);
  jobs.set(job.id, job);
  if (job.status === 'RUNNING') {
    const samples = speeds.get(job.id) ?? [];
    samples.push(job.progress.speedMBps);
    speeds.set(job.id, samples.slice(-SAMPLES));
  }
  // a job that just ended changes its repository's last outcome
  if (known && known.status !== job.status && job.status !== 'RUNNING') {
    const repository = repositories.find((r) => r.path === job.repositoryPath);
    if (repository) repository.lastJob = { id: job.id, status: job.status, completedAt: job.completedAt };
  }
}

function setConnection(text, live) {
  $('#connection').textContent = text;
  $('#connection').classList.toggle('live', live);
}

function showLogin(message = '') {
  stream?.abort();
  $('#dashboard').hidden = true;
  $('#forget').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message;
  setConnection('not connected', false);
}

async function start() {
  $('#login').hidden = true;
  $('#dashboard').hidden = false;
  $('#forget').hidden = false;
  stream = new AbortController();
  const { signal } = stream;
  while (!signal.aborted) {
    try {
      // subscribe first, then read the overview: no state change falls in between
      const events = subscribe(EVENTS, (data) => (remember(data.jobEvents), render()), signal);
      events.catch(() => undefined); // its failure is awaited below; this only keeps it from being reported twice
      const overview = await query(OVERVIEW, { recent: RECENT });
      repositories = overview.repositories;
      for (const job of overview.jobs.reverse()) if (!jobs.has(job.id) || jobs.get(job.id).status === job.status) remember(job);
      render();
      setConnection('live', true);
      await events;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof Unauthorized) {
        sessionStorage.removeItem(TOKEN_KEY);
        return showLogin(error.message);
      }
      setConnection(`reconnecting (${error.message})`, false);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

$('#login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim());
  $('#token').value = '';
  void start();
});
$('#forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin();
});

if (token()) void start();
else showLogin();
