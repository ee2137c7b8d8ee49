import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changeFiles, filesToChange, workingCopy } from '../../bench/lib/changes.js';
import { ensureDataset, smallFilePath, type DatasetSpec } from '../../bench/lib/dataset.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'borgql-bench-changes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec: DatasetSpec = { name: 't', seed: 'changes-test', smallFiles: 300, smallMinBytes: 64, smallMaxBytes: 512, largeFiles: 0, largeBytes: 0 };
const contents = (root: string) => Array.from({ length: spec.smallFiles }, (_, i) => readFileSync(smallFilePath(root, i)).toString('hex'));

describe('incremental workload changes (bench/lib/changes.ts)', () => {
  it('changes 1 % of the files in a working copy, deterministically, and never the cached data set', () => {
    const cached = ensureDataset(path.join(dir, 'cache'), spec);
    const before = contents(cached.root);
    const copyA = workingCopy(cached, path.join(dir, 'a'));
    const copyB = workingCopy(cached, path.join(dir, 'b'));
    const a = changeFiles(copyA, 1);
    const b = changeFiles(copyB, 1);
    expect(a.files).toBe(filesToChange(cached));
    expect(a.files).toBe(3);
    expect(b).toEqual(a);
    const afterA = contents(copyA.root);
    const changed = afterA.filter((c, i) => c !== before[i]).length;
    expect(changed).toBe(3);
    // same round, same files and bytes
    expect(contents(copyB.root)).toEqual(afterA);
    // the hard-linked cache kept its bytes
    expect(contents(cached.root)).toEqual(before);
    // another round changes other bytes; no temp file is left behind
    changeFiles(copyA, 2);
    expect(contents(copyA.root)).not.toEqual(afterA);
    expect(readdirSync(path.dirname(smallFilePath(copyA.root, 0))).filter((f) => f.startsWith('.change'))).toEqual([]);
  });
});
