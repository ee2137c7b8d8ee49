import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentString } from './gql/graphql.js';

/** Where the CLI finds the server when BORGQL_URL is not set (the server's own default). */
export const DEFAULT_URL = 'http://127.0.0.1:4000';

/**
 * A failure the person at the terminal can act on: printed as one line on
 * stderr, never with a stack, and the process exits with `exitCode`
 * (2 like borg's errors, unless said otherwise).
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** The server could not be reached at all (refused, no such host, timed out): the token commands then work offline. */
export class UnreachableError extends CliError {
  override name = 'UnreachableError';
}

interface GraphQLErrorJson {
  message: string;
  extensions?: { code?: string };
}

/** An error the API answered, with its `extensions.code` (e.g. `NOT_FOUND`, `SLOW_CONSUMER`). */
export class ApiError extends CliError {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Options of a subscription: `next` for each payload; resolves when the server completes it. */
export interface SubscribeOptions<T> {
  next: (data: T) => void;
  /** the caller's way to stop (Ctrl-C): resolves with `false` instead of `true` */
  signal?: AbortSignal;
}

/** The code of the error a refused (missing, unknown or revoked) token gets. */
export const TOKEN_REFUSED = 'UNAUTHENTICATED';

function refusedToken(): ApiError {
  return new ApiError('the server refused the token: set BORGQL_TOKEN to a valid, unrevoked API token', TOKEN_REFUSED);
}

function errorLine(errors: GraphQLErrorJson[]): CliError {
  const [first] = errors;
  if (first?.extensions?.code === TOKEN_REFUSED) return refusedToken();
  return new ApiError(first?.message ?? 'the server answered with an error', first?.extensions?.code);
}

/**
 * borgql's GraphQL API as the CLI uses it: typed documents over HTTP for
 * queries and mutations, graphql-ws for subscriptions, every failure turned
 * into a CliError worded for a person.
 */
export class BorgqlClient {
  readonly url: string;
  readonly #token: string | undefined;
  #ws: Client | null = null;

  constructor(url: string, token: string | undefined) {
    this.url = url.replace(/\/+$/, '');
    this.#token = token || undefined;
  }

  /** Reads BORGQL_URL and BORGQL_TOKEN. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): BorgqlClient {
    return new BorgqlClient(env.BORGQL_URL || DEFAULT_URL, env.BORGQL_TOKEN);
  }

  get #endpoint(): string {
    return `${this.url}/graphql`;
  }

  #unreachable(error: unknown): UnreachableError {
    // fetch wraps the socket's error as its cause; graphql-ws hands ws's ErrorEvent, which holds it as `error`
    const cause = (error as { cause?: unknown }).cause ?? (error as { error?: unknown }).error ?? error;
    const code = (cause as { code?: unknown }).code;
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND'
          ? 'no such host'
          : typeof code === 'string'
            ? code
            : cause instanceof Error
              ? cause.message
              : 'no answer';
    return new UnreachableError(`cannot reach borgql at ${this.url} (${why}): is the server running? (set BORGQL_URL)`);
  }

  /** Runs a query or mutation; resolves with its data or throws a CliError. */
  async request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
    let response: Response;
    try {
      response = await fetch(this.#endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        body: JSON.stringify({ query: document.toString(), variables }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    if (response.status === 401) throw refusedToken();
    if (response.status === 429)
      throw new CliError(
        `the server refuses this address for a while: too many failed authentications (retry after ${response.headers.get('retry-after') ?? '60'} s)`,
      );
    let body: { data?: R | null; errors?: GraphQLErrorJson[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new CliError(`${this.url} answered HTTP ${response.status}, not GraphQL: is BORGQL_URL a borgql server?`);
    }
    if (body.errors?.length) throw errorLine(body.errors);
    if (!body.data) throw new CliError(`the server answered HTTP ${response.status} without data`);
    return body.data;
  }

  /**
   * Runs a subscription over graphql-ws until the server completes it
   * (resolves `true`) or `signal` aborts (resolves `false`).
   */
  subscribe<R, V>(document: TypedDocumentString<R, V>, variables: V, options: SubscribeOptions<R>): Promise<boolean> {
    const client = this.#webSocket();
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) return resolve(false);
      const unsubscribe = client.subscribe<R>(
        { query: document.toString(), variables: variables as Record<string, unknown> },
        {
          next: (result) => {
            if (result.errors?.length) return reject(errorLine(result.errors as GraphQLErrorJson[]));
            if (result.data) options.next(result.data);
          },
          error: (error: unknown) => reject(this.#subscriptionError(error)),
          complete: () => resolve(true),
        },
      );
      options.signal?.addEventListener('abort', () => {
        unsubscribe();
        resolve(false);
      });
    });
  }

  #subscriptionError(error: unknown): CliError {
    if (Array.isArray(error)) return errorLine(error as GraphQLErrorJson[]);
    const close = error as { code?: unknown; reason?: string };
    if (typeof close.code === 'number') {
      if (close.code === 4403) return refusedToken();
      // 1006: closed without a close frame, i.e. the connection never opened or broke
      if (close.code === 1006) return this.#unreachable(error);
      if (close.code === 4429) return new CliError(`the server refuses this address for a while: ${close.reason || 'too many failed authentications'}`);
      return new CliError(`the connection to ${this.url} closed (${close.code}${close.reason ? `: ${close.reason}` : ''})`);
    }
    return this.#unreachable(error);
  }

  #webSocket(): Client {
    this.#ws ??= createClient({
      url: `${this.#endpoint.replace(/^http/, 'ws')}`,
      webSocketImpl: WebSocket,
      connectionParams: this.#token ? { authorization: `Bearer ${this.#token}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
    return this.#ws;
  }

  /** Closes the WebSocket, if one was opened. */
  async close(): Promise<void> {
    await this.#ws?.dispose();
    this.#ws = null;
  }
}
