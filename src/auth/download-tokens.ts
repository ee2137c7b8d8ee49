import { createHmac, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { createKeyFile, readKeyFile } from '../secrets/key-file.js';

/** The file in the data dir holding the signing key of download tokens. */
export const DOWNLOAD_KEY_FILE = 'download-token.key';
const KEY_BYTES = 32;

/** What checking a download token found. */
export type DownloadTokenCheck = 'ok' | 'invalid' | 'expired';

/**
 * HMAC-SHA256 over a label naming the purpose, the job and the expiry: the
 * label keeps a signature from ever being valid for anything but this job's log.
 */
function signature(key: Buffer, jobId: number, expiresAt: number): Buffer {
  return createHmac('sha256', key).update(`borgql:job-log-download:v1:${jobId}:${expiresAt}`).digest();
}

/** `<jobId>.<expiry, unix seconds>.<base64url HMAC>`; exported for tests that need a token with a chosen expiry. */
export function signDownloadToken(key: Buffer, jobId: number, expiresAt: number): string {
  return `${jobId}.${expiresAt}.${signature(key, jobId, expiresAt).toString('base64url')}`;
}

/**
 * Reads the signing key, creating it (0600, exclusively) on first start. A
 * key readable by others would let them mint download links: its mode is
 * tightened to 0600 at every start.
 */
export function loadDownloadKey(dataDir: string): Buffer {
  const file = path.join(dataDir, DOWNLOAD_KEY_FILE);
  const key = readKeyFile(file) ?? createKeyFile(file, KEY_BYTES);
  if (key.length < KEY_BYTES) throw new Error(`${file} is too short to be a signing key; delete it to get a new one`);
  return key;
}

/**
 * Short-lived, signed tokens for `GET /api/backup/logs/{id}/download?token=`:
 * each opens one job's log until it expires, and nothing else (it is not an
 * API token). A new key (deleting the file) invalidates every outstanding link.
 */
export class DownloadTokens {
  constructor(
    private readonly key: Buffer,
    /** lifetime of a new token in seconds */
    readonly ttlSeconds: number,
  ) {}

  /** A token for `jobId`'s log, valid for ttlSeconds from `now`. */
  issue(jobId: number, now = Date.now()): string {
    return signDownloadToken(this.key, jobId, Math.floor(now / 1000) + this.ttlSeconds);
  }

  /** Checks a presented token against the job it is used for. */
  verify(token: string, jobId: number, now = Date.now()): DownloadTokenCheck {
    const match = /^(\d{1,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match || Number(match[1]) !== jobId) return 'invalid';
    const expiresAt = Number(match[2]);
    const presented = Buffer.from(match[3] as string, 'base64url');
    const expected = signature(this.key, jobId, expiresAt);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return 'invalid';
    return expiresAt * 1000 > now ? 'ok' : 'expired';
  }
}
