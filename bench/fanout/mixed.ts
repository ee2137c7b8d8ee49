/**
 * Mixed subscribers for the fan-out benchmark: three roles and three
 * documents over the same 1,000 connections, every role × document pair
 * present. borgql executes an event once per document and role
 * (src/server/shared-events.ts), so a mix costs more than one dashboard
 * document watched 1,000 times.
 */
import type { Client } from 'graphql-ws';
import { connectWs, type GraphQLClient } from '../lib/graphql.js';
import { LIST_ROW, MINIMAL, WATCH } from '../lib/watch.js';

const CREATE_TOKEN = `mutation Token($name: String!, $role: Role!) {
  createApiToken(name: $name, role: $role) { __typename ... on CreateApiTokenSuccess { secret } ... on Error { message } }
}`;

/** The documents, in rotation: a progress display, the outside harness's minimal one, a job list row. */
export const MIXED_DOCUMENTS = [WATCH, MINIMAL, LIST_ROW] as const;
export const MIXED_ROLES = ['ADMIN', 'OPERATOR', 'VIEWER'] as const;

/** Client `i`'s document: shifted against its role (i % 3) so all nine role × document pairs occur. */
export function mixedDocumentOf(i: number): string {
  return MIXED_DOCUMENTS[(i + Math.floor(i / MIXED_ROLES.length)) % MIXED_DOCUMENTS.length] as string;
}

/** Opens `count` connections in batches, client `i` with a token of role MIXED_ROLES[i % 3] (the admin's own for ADMIN). */
export async function connectMixed(http: GraphQLClient, wsUrl: string, adminToken: string, count: number, batch: number): Promise<Client[]> {
  const tokens: string[] = [adminToken];
  for (const role of MIXED_ROLES.slice(1)) {
    const { createApiToken: r } = await http.request<{ createApiToken: { __typename: string; secret?: string; message?: string } }>(CREATE_TOKEN, {
      name: `fanout-${role.toLowerCase()}`,
      role,
    });
    if (!r.secret) throw new Error(`createApiToken ${role}: ${r.__typename}: ${r.message}`);
    tokens.push(r.secret);
  }
  const clients: Client[] = [];
  while (clients.length < count) {
    const size = Math.min(batch, count - clients.length);
    const start = clients.length;
    clients.push(...(await Promise.all(Array.from({ length: size }, (_, k) => connectWs(wsUrl, tokens[(start + k) % tokens.length])))));
  }
  return clients;
}
