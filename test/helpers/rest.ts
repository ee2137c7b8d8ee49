import { TEST_ADMIN_TOKEN } from './server.js';

/** A REST answer: status, headers and the body (parsed when JSON). */
export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Calls a REST route of a test server. Sends the test admin token unless
 * `token` says otherwise (null: no Authorization header), in `header`
 * (default `authorization`); `body` is sent as JSON, `rawBody` as is (with
 * `contentType`).
 */
export async function rest<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; contentType?: string; token?: string | null; header?: string } = {},
): Promise<RestResponse<T>> {
  const token = options.token === undefined ? TEST_ADMIN_TOKEN : options.token;
  const headers: Record<string, string> = token === null ? {} : { [options.header ?? 'authorization']: `Bearer ${token}` };
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, headers: response.headers, body: (json ? JSON.parse(text) : text) as T };
}

/**
 * The keys of a Job JSON, as README "REST (Borg UI compatible)" lists them: written out here
 * rather than imported from src/server/rest/schemas.ts, so the contract is
 * checked against the code instead of the code against itself.
 */
export const JOB_KEYS = [
  'id',
  'repository',
  'status',
  'started_at',
  'completed_at',
  'progress',
  'error_message',
  'has_logs',
  'maintenance_status',
  'scheduled_job_id',
  'triggered_by',
  'archive_name',
  'retry_of_job_id',
  'progress_details',
].sort();
export const DETAIL_KEYS = [
  'original_size',
  'compressed_size',
  'deduplicated_size',
  'nfiles',
  'current_file',
  'progress_percent',
  'backup_speed',
  'total_expected_size',
  'estimated_time_remaining',
].sort();
