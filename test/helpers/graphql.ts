import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentString } from '../../src/cli/gql/graphql.js';
import { bearer } from './server.js';

/** An operation: its text, or a typed document (test/helpers/typed-documents.ts) that types the variables and the answer. */
export type Operation<T, V> = string | TypedDocumentString<T, V>;

/** A GraphQL response as the server sent it. */
export interface GraphQLResponse<T = Record<string, any>> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** POSTs one operation (as the test admin unless `headers` say otherwise); returns the HTTP status and the parsed body. */
export async function gqlRaw<T = Record<string, any>, V = Record<string, unknown>>(
  url: string,
  query: Operation<T, V>,
  variables: V = {} as V,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...bearer(), ...headers },
    body: JSON.stringify({ query: query.toString(), variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<T> };
}

/** POSTs one operation (as the test admin unless `headers` say otherwise) and fails on GraphQL errors. */
export async function gql<T = Record<string, any>, V = Record<string, unknown>>(
  url: string,
  query: Operation<T, V>,
  variables: V = {} as V,
  headers: Record<string, string> = {},
): Promise<T> {
  const { status, body } = await gqlRaw<T, V>(url, query, variables, headers);
  if (status !== 200 || body.errors?.length || !body.data) {
    throw new Error(`GraphQL failed (${status}): ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/**
 * A graphql-ws client over a real WebSocket, authenticated as the test admin
 * unless `connectionParams` say otherwise. It connects on its first operation,
 * so `wsUrl` may be a function read then (a server that starts later).
 */
export function wsClient(wsUrl: string | (() => string), connectionParams: Record<string, unknown> = bearer()): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

/** Runs a subscription to completion over graphql-ws and returns every payload. */
export function collectWs<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  onNext?: (data: T) => void,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const received: T[] = [];
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) return reject(new Error(JSON.stringify(result.errors)));
          received.push(result.data as T);
          onNext?.(result.data as T);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(received),
      },
    );
  });
}

/** One message of a GraphQL-over-SSE stream: its `event:` and `data:` fields. */
export interface SseMessage {
  event?: string;
  data?: string;
}

/**
 * POSTs one operation asking for yoga's SSE (GraphQL over SSE, distinct
 * connections), as the test admin unless `headers` say otherwise; fails
 * unless the answer is a 200 with a body, and returns the body's reader.
 */
export async function openSse(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(), ...headers },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`SSE failed with HTTP ${response.status}: ${await response.text()}`);
  return response.body.getReader();
}

/**
 * The messages of an SSE stream, in order, until the stream ends.
 * `beforeRead` is awaited before each read of the stream, and only then:
 * messages already received are yielded without waiting for it.
 */
export async function* sseMessages(reader: ReadableStreamDefaultReader<Uint8Array>, beforeRead?: () => Promise<void>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    await beforeRead?.();
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      yield { event: /^event: (.*)$/m.exec(message)?.[1], data: /^data: (.*)$/m.exec(message)?.[1] };
    }
  }
}

/** Runs a subscription to completion over yoga's SSE (GraphQL over SSE, distinct connections), as the test admin unless `headers` say otherwise. */
export async function collectSse<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<T[]> {
  const reader = await openSse(url, query, variables, headers);
  const received: T[] = [];
  for await (const { event, data } of sseMessages(reader)) {
    if (event === 'complete') {
      await reader.cancel();
      return received;
    }
    if (event === 'next' && data) {
      const payload = JSON.parse(data) as { data?: T; errors?: unknown[] };
      if (payload.errors?.length) throw new Error(JSON.stringify(payload.errors));
      received.push(payload.data as T);
    }
  }
  return received;
}
