import type { Principal } from '../auth/principal.js';
import type { Services } from '../services.js';

/** What every resolver gets: the server's services (built by createServices) plus who is asking, and from where. */
export interface Context extends Services {
  /** null only while unauthenticated: the blanket rule (server/graphql.ts) stops such operations */
  auth: Principal | null;
  /** `http(s)://host[:port]` the caller reached this server at, for absolute URLs */
  origin: string;
}
