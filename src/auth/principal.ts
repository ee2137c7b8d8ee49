import type { Role } from './roles.js';

/** A caller identified by an API token. */
export type TokenPrincipal = { kind: 'token'; tokenId: number; name: string; role: Role };

/**
 * Who is calling. `token`: an API token (bearer header or graphql-ws
 * connectionParams). `download`: a signed `?token=` of the log download
 * route, good for reading that one job's log and nothing else.
 */
export type Principal = TokenPrincipal | { kind: 'download'; jobId: number; role: 'VIEWER' };
