import type { Services as DomainServices } from '../services.js';
import type { ApiTokenService } from '../auth/tokens.js';
import type { DownloadTokens } from '../auth/download-tokens.js';
import type { Principal } from '../auth/principal.js';

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
