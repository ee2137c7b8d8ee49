import { describe, expect, it } from 'vitest';
import { startBorg, type BorgEvent } from '../../src/borg/index.js';
import { fixtureDir, fixtureLines } from './fixtures.js';

// The stderr line splitter, driven by a node child standing in for borg so the
// byte stream is exact (chunk boundaries, volume). Real borg runs are in process.test.ts.
const node = (script: string, onEvent?: (e: BorgEvent, raw: string) => void) =>
  startBorg({ bin: process.execPath, args: ['-e', script], env: { PATH: process.env.PATH ?? '' }, onEvent }).result;

describe('stderr line delivery', () => {
  // Speed is measured by `npm run bench` (logs: ingestion rate), never asserted here.
  it('1,000,000 recorded lines are all parsed and delivered', async () => {
    const sample = fixtureLines('create-incremental.stderr.jsonl');
    // The child rebuilds the same 10,000-line block from the fixture (argv is too small to carry it).
    const script = `const s = require('fs').readFileSync(${JSON.stringify(fixtureDir + 'create-incremental.stderr.jsonl')}, 'utf8').split('\\n').filter(Boolean);
      const b = Buffer.from(Array.from({ length: 10000 }, (_, i) => s[i % s.length]).join('\\n') + '\\n'); let n = 0;
      const more = () => { while (n < 100) { n++; if (!process.stderr.write(b)) return process.stderr.once('drain', more); } };
      more();`;
    let count = 0;
    let files = 0;
    let lastPath = '';
    const r = await node(script, (e) => {
      count++;
      if (e.type === 'file_status') {
        files++;
        lastPath = e.path;
      }
    });
    expect(r.outcome, JSON.stringify(r.outcome)).toMatchObject({ kind: 'success' });
    expect(count).toBe(1_000_000);
    expect(files).toBe(100 * Array.from({ length: 10_000 }, (_, i) => sample[i % sample.length]!).filter((l) => l.includes('"file_status"')).length);
    expect(lastPath).not.toBe('');
  });

  it('multi-byte characters split across chunks, \\r\\n endings and a last line without newline', async () => {
    const script = `const b = Buffer.from('{"type": "file_status", "status": "A", "path": "caf\\u00e9/\\u65e5\\u672c"}\\r\\nplain tail');
      (async () => { for (const byte of b) await new Promise((res) => process.stderr.write(Buffer.from([byte]), res)); })();`;
    const got: BorgEvent[] = [];
    const r = await node(script, (e) => got.push(e));
    expect(r.outcome.kind).toBe('success');
    expect(got).toEqual([
      { type: 'file_status', status: 'A', path: 'café/日本' },
      { type: 'text', line: 'plain tail' },
    ]);
  });

  it('stdout is buffered whole and stderr order is kept', async () => {
    const r = await node(
      `process.stdout.write('{"a": 1}\\n'); for (let i = 0; i < 5000; i++) process.stderr.write('line ' + i + '\\n'); process.exitCode = 1;`,
      (() => {
        let expected = 0;
        return (e) => {
          expect(e).toEqual({ type: 'text', line: `line ${expected++}` });
        };
      })(),
    );
    expect(r.stdout).toBe('{"a": 1}\n');
    expect(r.outcome).toMatchObject({ kind: 'warning', warnings: 0 });
    expect(r.listenerError).toBeUndefined();
  });
});
