import type { Services as DomainServices } from '../services.js';
import type { ApiTokenService } from '../auth/tokens.js';
import type { DownloadTokens } from '../auth/download-tokens.js';

/** API roles, weakest first: VIEWER reads, OPERATOR starts/cancels, ADMIN manages repositories and tokens. */
export const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` is `required` or stronger. */
export function hasRole(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** A caller identified by an API token. */
export type TokenPrincipal = { kind: 'token'; tokenId: number; name: string; role: Role };

/**
 * Who is calling. `token`: an API token (bearer header or graphql-ws
 * connectionParams). `download`: a signed `?token=` of the log download
 * route, good for reading that one job's log and nothing else.
 */
export type Principal = TokenPrincipal | { kind: 'download'; jobId: number; role: 'VIEWER' };

/**
 * The server's services, shared by every request: the domain's
 * (src/services.ts, built by createServices) plus the server's auth ones.
 */
export interface Services extends Omit<DomainServices, 'start' | 'stop' | 'close'> {
  tokens: ApiTokenService;
  downloads: DownloadTokens;
}

/** What every resolver gets: the services plus who is asking, and from where. */
export interface Context extends Services {
  /** null only while unauthenticated: the blanket rule (server/graphql.ts) stops such operations */
  auth: Principal | null;
  /** `http(s)://host[:port]` the caller reached this server at, for absolute URLs */
  origin: string;
}
