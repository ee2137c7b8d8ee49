import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import type { ApiTokenModel as ApiToken } from '../generated/prisma/models/ApiToken.js';
import { ValidationError } from '../domain/errors.js';
import type { ClusterBus } from '../events/cluster-bus.js';
import { recordNotFound } from '../domain/ids.js';
import type { Principal, TokenPrincipal } from './principal.js';
import { isRole, type Role } from './roles.js';

export type { ApiToken };

/** Secrets look like `bq_` + 32 random bytes in base64url (43 characters). */
export const TOKEN_PREFIX = 'bq_';
/** The name of the row that mirrors BORGQL_ADMIN_TOKEN; reserved for it. */
export const ENV_TOKEN_NAME = 'BORGQL_ADMIN_TOKEN';
/** Characters of the secret kept readable, to tell tokens apart in listings. */
const VISIBLE_PREFIX = 10;
/** Secrets longer than this are refused before hashing (headers can be 16 kB). */
const MAX_SECRET_LENGTH = 256;

/** A new random API token secret. */
export function generateSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The stored form of a secret: hex SHA-256 (secrets are random, so no salt or slow hash is needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header value, or null. */
export function parseBearer(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

export interface ApiTokenServiceOptions {
  /** where a failed lastUsedAt write is reported */
  warn: (message: string, error?: unknown) => void;
  /** minimum gap between two lastUsedAt writes of one token (default one minute) */
  touchIntervalMs?: number;
  /** the cluster's bus: revocations are announced to every node and taken from every node (none: this process alone) */
  bus?: ClusterBus;
  /** how often held sessions are checked against the database, the fallback for a lost tokenRevoked message (default 1000 ms) */
  sessionCheckMs?: number;
}

/**
 * API tokens: creation (the secret is returned once, only its hash is
 * stored), revocation, and authentication of presented secrets.
 */
export class ApiTokenService {
  readonly #touched = new Map<number, number>();
  readonly #touchIntervalMs: number;
  /** the end callbacks of long-lived sessions (WebSockets, SSE streams), by token id */
  readonly #sessions = new Map<number, Set<() => void>>();
  /**
   * Tokens revoked by this process or announced revoked by another node.
   * Every revocation of a token that can authenticate goes through revoke()
   * on some node (the BORGQL_ADMIN_TOKEN rotation runs before the server
   * listens), so this answers "still valid?" for a token authenticated
   * earlier without a database read.
   */
  readonly #revoked = new Set<number>();
  /** the database check of held sessions; runs only while sessions are held */
  #sessionCheck: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: ApiTokenServiceOptions,
  ) {
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
    // every node hears every revocation (its own included: marking twice is harmless)
    options.bus?.onControl((message) => {
      if (message.type === 'tokenRevoked') this.#markRevoked(message.tokenId);
    });
  }

  /** Creates a token; `secret` exists only in this return value. */
  async create(name: string, role: Role): Promise<{ token: ApiToken; secret: string }> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 100) throw new ValidationError('name must be 1 to 100 characters', 'name');
    if (trimmed === ENV_TOKEN_NAME) throw new ValidationError(`the name ${ENV_TOKEN_NAME} is reserved`, 'name');
    return this.#insert(trimmed, role, generateSecret());
  }

  async #insert(name: string, role: Role, secret: string): Promise<{ token: ApiToken; secret: string }> {
    const token = await this.prisma.apiToken.create({
      data: { name, role, tokenHash: hashSecret(secret), prefix: secret.slice(0, VISIBLE_PREFIX) },
    });
    return { token, secret };
  }

  /** Tokens, oldest first; revoked ones only when asked. */
  list(includeRevoked: boolean): Promise<ApiToken[]> {
    return this.prisma.apiToken.findMany({ where: includeRevoked ? {} : { revokedAt: null }, orderBy: { id: 'asc' } });
  }

  /**
   * Revokes a token (again: a no-op answering the same). The last active
   * admin token cannot be revoked: nobody could manage tokens afterwards.
   */
  async revoke(id: number): Promise<ApiToken> {
    const token = await this.prisma.apiToken.findUnique({ where: { id } });
    if (!token) throw recordNotFound('API token', id);
    if (token.revokedAt) return token;
    if (token.role === 'ADMIN') {
      const admins = await this.prisma.apiToken.count({ where: { role: 'ADMIN', revokedAt: null } });
      if (admins <= 1) throw new ValidationError('this is the last active admin token; create another admin token first', 'id');
    }
    this.#touched.delete(id);
    const revoked = await this.prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    this.#markRevoked(id);
    this.options.bus?.send({ type: 'tokenRevoked', tokenId: id });
    return revoked;
  }

  /**
   * Registers a long-lived use of a token (a WebSocket, an SSE stream):
   * `end` is called once if the token is revoked, so a subscription opened
   * before the revocation stops too; also when it was revoked between its
   * authentication and this call. Returns the function that unregisters it,
   * for when the session ends by itself.
   */
  holdSession(tokenId: number, end: () => void): () => void {
    if (this.#revoked.has(tokenId)) {
      this.#end(tokenId, [end]);
      return () => undefined;
    }
    let ends = this.#sessions.get(tokenId);
    if (!ends) this.#sessions.set(tokenId, (ends = new Set()));
    const held = ends;
    held.add(end);
    this.#checkSessionsSoon();
    return () => {
      held.delete(end);
      if (held.size === 0 && this.#sessions.get(tokenId) === held) this.#sessions.delete(tokenId);
    };
  }

  /** Sessions of a token still held (tests watch them being released). */
  sessionCount(tokenId: number): number {
    return this.#sessions.get(tokenId)?.size ?? 0;
  }

  #markRevoked(tokenId: number): void {
    this.#touched.delete(tokenId);
    this.#revoked.add(tokenId);
    this.#endSessions(tokenId);
  }

  /**
   * While sessions are held, looks every second for their tokens revoked in
   * the database: a tokenRevoked message lost between nodes (a Redis
   * reconnect) still ends them within about a second. One indexed read of
   * the held ids; no timer at all while none is held.
   */
  #checkSessionsSoon(): void {
    if (this.#sessionCheck || this.#sessions.size === 0) return;
    this.#sessionCheck = setTimeout(() => {
      const held = [...this.#sessions.keys()];
      this.prisma.apiToken
        .findMany({ where: { id: { in: held }, revokedAt: { not: null } }, select: { id: true } })
        .then(
          (rows) => rows.forEach((row) => this.#markRevoked(row.id)),
          (error: unknown) => this.options.warn('could not check held sessions for revoked tokens; retrying', error),
        )
        .finally(() => {
          this.#sessionCheck = null;
          this.#checkSessionsSoon();
        });
    }, this.options.sessionCheckMs ?? 1000);
    // a held session alone never keeps the process alive
    this.#sessionCheck.unref();
  }

  /** Stops the database check of held sessions (shutdown; the database closes next). */
  stop(): void {
    if (this.#sessionCheck) clearTimeout(this.#sessionCheck);
    this.#sessionCheck = null;
    this.#sessions.clear();
  }

  #endSessions(tokenId: number): void {
    const ends = this.#sessions.get(tokenId);
    if (!ends) return;
    this.#sessions.delete(tokenId);
    this.#end(tokenId, ends);
  }

  #end(tokenId: number, ends: Iterable<() => void>): void {
    // a turn later: an answer in flight on the same connection (the revocation's own) still goes out
    setImmediate(() => {
      for (const end of ends) {
        try {
          end();
        } catch (error) {
          this.options.warn(`could not end a session of revoked token ${tokenId}`, error);
        }
      }
    });
  }

  /**
   * The principal of a presented secret, or null (unknown, revoked,
   * malformed). The database is searched by the secret's SHA-256: the index
   * comparison only ever sees hashes, whose bytes an attacker cannot steer,
   * so its timing says nothing about stored secrets; the final comparison is
   * constant-time all the same.
   */
  async authenticate(secret: string | null): Promise<TokenPrincipal | null> {
    if (!secret || secret.length > MAX_SECRET_LENGTH) return null;
    const hash = hashSecret(secret);
    const row = await this.prisma.apiToken.findUnique({ where: { tokenHash: hash } });
    if (!row || row.revokedAt || !isRole(row.role)) return null;
    if (!timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    this.#touch(row);
    return { kind: 'token', tokenId: row.id, name: row.name, role: row.role };
  }

  /** Whether a principal authenticated earlier is still valid (each new operation on a WebSocket asks). */
  isActive(principal: Principal): boolean {
    return principal.kind !== 'token' || !this.#revoked.has(principal.tokenId);
  }

  /** Records use at most once per interval per token: a write per request would cost more than the request. */
  #touch(row: ApiToken): void {
    const now = Date.now();
    const last = Math.max(this.#touched.get(row.id) ?? 0, row.lastUsedAt?.getTime() ?? 0);
    if (now - last < this.#touchIntervalMs) return;
    this.#touched.set(row.id, now);
    this.prisma.apiToken
      .update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } })
      .catch((error: unknown) => this.options.warn(`could not record the use of API token ${row.id}`, error));
  }

  /**
   * Start-up: BORGQL_ADMIN_TOKEN, when set, is an active admin token (an
   * earlier value of it is revoked; an unset variable revokes the row it
   * left). Without any active admin token afterwards, one is created and its
   * secret returned so the caller can print it once.
   */
  async ensureAdmin(envSecret: string | undefined): Promise<string | null> {
    const now = new Date();
    const envHash = envSecret ? hashSecret(envSecret) : null;
    await this.prisma.apiToken.updateMany({
      where: { name: ENV_TOKEN_NAME, revokedAt: null, ...(envHash ? { tokenHash: { not: envHash } } : {}) },
      data: { revokedAt: now },
    });
    if (envSecret && envHash) {
      await this.prisma.apiToken.upsert({
        where: { tokenHash: envHash },
        create: { name: ENV_TOKEN_NAME, role: 'ADMIN', tokenHash: envHash, prefix: envSecret.slice(0, 4) },
        update: { name: ENV_TOKEN_NAME, role: 'ADMIN', revokedAt: null },
      });
      return null;
    }
    const admins = await this.prisma.apiToken.count({ where: { role: 'ADMIN', revokedAt: null } });
    if (admins > 0) return null;
    return (await this.#insert('initial admin', 'ADMIN', generateSecret())).secret;
  }
}
