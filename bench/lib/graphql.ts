import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL response as the server sent it. */
interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string }[];
}

/** A minimal GraphQL-over-HTTP client bound to one endpoint and token. */
export interface GraphQLClient {
  /** POSTs one operation; throws on HTTP or GraphQL errors. */
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/** `fetch`-based client sending `Authorization: Bearer <token>` (README "Authentication and roles"). */
export function httpClient(url: string, token?: string): GraphQLClient {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      } catch (error) {
        // undici's "fetch failed" hides the reason (ECONNREFUSED, socket closed…) in `cause`
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        throw new Error(`POST ${url} failed${cause}`, { cause: error });
      }
      const body = (await response.json()) as GraphQLResponse<T>;
      if (response.status !== 200 || body.errors?.length || !body.data) {
        throw new Error(`GraphQL failed (HTTP ${response.status}): ${JSON.stringify(body.errors ?? body)}`);
      }
      return body.data;
    },
  };
}

/**
 * A graphql-ws client over a real WebSocket, connected eagerly (`lazy:
 * false`) and kept open, so a measurement never includes the handshake.
 */
export async function connectWs(wsUrl: string, token?: string): Promise<Client> {
  let onConnected!: () => void;
  let onFailed!: (error: unknown) => void;
  const connected = new Promise<void>((resolve, reject) => ((onConnected = resolve), (onFailed = reject)));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => onConnected(), error: (error) => onFailed(error) },
    onNonLazyError: (error) => onFailed(error),
  });
  await connected;
  return client;
}

/**
 * Subscribes and calls `onNext` for every payload until the server completes
 * the operation (resolves) or reports an error (rejects). `onNext` may return
 * true to stop listening early.
 */
export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>, onNext: (data: T) => boolean | void): Promise<void> {
  return new Promise((resolve, reject) => {
    let dispose: () => void = () => undefined;
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) return reject(new Error(JSON.stringify(result.errors)));
          if (onNext(result.data as T) === true) {
            dispose();
            resolve();
          }
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(),
      },
    );
  });
}
