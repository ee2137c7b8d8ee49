// SecretBox (AES-256-GCM for secrets at rest) and the key file helpers, on real files.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyFile, createOwnerOnlyFile, readKeyFile } from '../../src/secrets/key-file.js';
import { SecretBox, SecretUnreadableError, isSealed, sealedKeyId } from '../../src/secrets/secret-box.js';
import { tempDir } from '../helpers/server.js';

const PURPOSE = 'Repository.passphrase';

function unreadable(box: SecretBox, stored: string, purpose = PURPOSE): string {
  try {
    box.open(stored, purpose);
  } catch (error) {
    expect(error).toBeInstanceOf(SecretUnreadableError);
    return (error as SecretUnreadableError).reason;
  }
  throw new Error('opened');
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips any text, with a fresh nonce per value, in a versioned text that names its key', () => {
    for (const secret of ['correct horse battery staple', 'ü€ 𝄞 "quotes" \\ and\nnewlines', 'x'.repeat(10_000)]) {
      const sealed = box.seal(secret, PURPOSE);
      expect(sealed).toMatch(/^borgql-secret:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
      expect(sealed).not.toContain(secret.slice(0, 5));
      expect(isSealed(sealed)).toBe(true);
      expect(sealedKeyId(sealed)).toBe(box.keyId);
      expect(box.open(sealed, PURPOSE)).toBe(secret);
    }
    expect(box.seal('same', PURPOSE)).not.toBe(box.seal('same', PURPOSE));
  });

  it('refuses clear text, another purpose, another key, an altered value, an unknown version', () => {
    const sealed = box.seal('secret', PURPOSE);
    expect(isSealed('secret')).toBe(false);
    expect(unreadable(box, 'secret')).toBe('not-encrypted');
    expect(unreadable(box, sealed, 'Webhook.secret')).toBe('damaged');
    expect(unreadable(new SecretBox(randomBytes(32)), sealed)).toBe('other-key');
    // one bit of the ciphertext, of the tag, of the nonce
    for (const [part, byte] of [
      [4, 0],
      [4, -1],
      [3, 5],
    ] as const) {
      const parts = sealed.split(':');
      const bytes = Buffer.from(parts[part]!, 'base64url');
      bytes[byte < 0 ? bytes.length + byte : byte]! ^= 1;
      parts[part] = bytes.toString('base64url');
      expect(unreadable(box, parts.join(':'))).toBe('damaged');
    }
    expect(unreadable(box, sealed.replace(':v1:', ':v2:'))).toBe('unknown-format');
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
  });

  it('never quotes the value in its errors', () => {
    const sealed = box.seal('hunter2-hunter2', PURPOSE);
    try {
      new SecretBox(randomBytes(32)).open(sealed, PURPOSE);
    } catch (error) {
      expect(String(error)).not.toContain(sealed.split(':')[4]);
      expect(String(error)).toContain(box.keyId);
    }
  });
});

describe('key files', () => {
  const tmp = tempDir('key-file');
  afterAll(() => tmp.cleanup());

  it('creates a key 0600 once and reads the same key back, tightening a 0644 one', () => {
    const file = path.join(tmp.dir, 'secrets.key');
    expect(readKeyFile(file)).toBeNull();
    const key = createKeyFile(file, 32);
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(createKeyFile(file, 32)).toEqual(key); // exclusive: a second call keeps the first key
    chmodSync(file, 0o644);
    expect(readKeyFile(file)).toEqual(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates a database file 0600 and tightens an existing one without touching its content', () => {
    const fresh = path.join(tmp.dir, 'fresh.db');
    createOwnerOnlyFile(fresh);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    const old = path.join(tmp.dir, 'old.db');
    writeFileSync(old, 'content', { mode: 0o644 });
    createOwnerOnlyFile(old);
    expect(statSync(old).mode & 0o777).toBe(0o600);
    expect(readFileSync(old, 'utf8')).toBe('content');
  });
});
