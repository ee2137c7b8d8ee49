/**
 * Borg UI's own header for the bearer token: its web frontend, test
 * fixtures and scripts send `X-Borg-Authorization: Bearer …` (so a reverse
 * proxy may keep `Authorization` for itself), and borgql accepts it
 * exactly like `Authorization` (README, "Authentication and roles").
 */
export const BORG_UI_AUTHORIZATION = 'x-borg-authorization';

/**
 * The credential a request or a graphql-ws `connectionParams` carries:
 * `Authorization`, else `X-Borg-Authorization`, each key in any case, blank
 * values ignored. When both are present `Authorization` wins, so one
 * request never presents two tokens (and the failure limiter counts it once).
 */
export function credentialOf(fields: Readonly<Record<string, unknown>> | null | undefined): unknown {
  if (!fields) return undefined;
  let authorization: unknown;
  let borgUi: unknown;
  for (const [key, value] of Object.entries(fields)) {
    // a blank value is no credential: a client that fills both headers from settings may leave one empty
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) continue;
    const name = key.toLowerCase();
    if (name === 'authorization') authorization ??= value;
    else if (name === BORG_UI_AUTHORIZATION) borgUi ??= value;
  }
  return authorization ?? borgUi;
}
