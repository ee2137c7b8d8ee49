import { describe, expect, it } from 'vitest';
import { JOB_KEYS, rest } from '../helpers/rest.js';
import { useServer } from '../helpers/use-server.js';

/** Bad input to the REST routes gets a 4xx with `{"detail"}` (never a 500); the OpenAPI document describes them. */
describe('REST input validation and OpenAPI', () => {
  const { server } = useServer('rest-input');

  it.each([
    ['GET', '/api/backup/status/abc', undefined, 400, /job_id must be integer/],
    ['GET', '/api/backup/status/-1', undefined, 400, /job_id must be >= 1/],
    ['GET', '/api/backup/status/1.5', undefined, 400, /job_id must be integer/],
    ['GET', '/api/backup/status/99999', undefined, 404, /job 99999 not found/],
    ['POST', '/api/backup/cancel/abc', undefined, 400, /job_id/],
    ['POST', '/api/backup/cancel/99999', undefined, 404, /job 99999 not found/],
    ['GET', '/api/backup/logs/abc/stream', undefined, 400, /job_id/],
    ['GET', '/api/backup/logs/1/stream?offset=-1', undefined, 400, /offset must be >= 0/],
    ['GET', '/api/backup/logs/1/stream?offset=x', undefined, 400, /offset must be integer/],
    ['GET', '/api/backup/logs/1/stream?limit=10001', undefined, 400, /limit must be <= 10000/],
    ['GET', '/api/backup/logs/99999/stream', undefined, 404, /job 99999 not found/],
    ['GET', '/api/backup/jobs?limit=-1', undefined, 400, /limit must be >= 0/],
    ['GET', '/api/backup/jobs?limit=ten', undefined, 400, /limit must be integer/],
    ['GET', '/api/backup/jobs?scheduled_only=maybe', undefined, 400, /scheduled_only must be boolean/],
    ['GET', '/api/backup/jobs?scheduled_only=true&manual_only=true', undefined, 400, /exclude each other/],
    ['POST', '/api/backup/start', undefined, 400, /body must be object/],
    ['POST', '/api/backup/start', { rawBody: '{"repository": ' }, 400, /not valid JSON/],
    ['POST', '/api/backup/start', { rawBody: '' }, 400, /empty/i],
    ['POST', '/api/backup/start', { body: {} }, 400, /must have required property 'repository'/],
    ['POST', '/api/backup/start', { body: { repository: '' } }, 400, /repository must NOT have fewer than 1 characters/],
    ['POST', '/api/backup/start', { body: { repository: '   ' } }, 400, /must not be empty/],
    ['POST', '/api/backup/start', { body: { repository: '/no/such/repo' } }, 404, /repository "\/no\/such\/repo" not found/],
    ['POST', '/api/backup/start', { rawBody: 'repository=x', contentType: 'application/x-www-form-urlencoded' }, 415, /content-type/i],
    ['GET', '/api/backup/nowhere', undefined, 404, /no route/],
    // Borg UI's body shapes: type errors are 400, never coerced
    ['POST', '/api/backup/start', { body: { repository: 3 } }, 400, /body\/repository must be string, got integer/],
    ['POST', '/api/backup/start', { body: { repository_id: '3' } }, 400, /body\/repository_id must be integer, got string/],
    ['POST', '/api/backup/start', { body: { repository_id: 1.5 } }, 400, /body\/repository_id must be integer, got number/],
    ['POST', '/api/backup/start', { body: { repository_id: 0 } }, 400, /repository_id must be >= 1/],
    ['POST', '/api/backup/start', { body: { repository_id: 99999 } }, 404, /repository "99999" not found/],
    ['POST', '/api/backup/start', { body: { repository: '/r', repository_id: 1 } }, 400, /only one of 'repository' and 'repository_id'/],
    ['POST', '/api/backup/start', { body: { repository: null, repository_id: null } }, 400, /required property 'repository'.*'repository_id'/],
    [
      'POST',
      '/api/backup/start',
      { body: { repository: '/r', source_directories: '/home' } },
      400,
      /source_directories must be an array of strings, got string/,
    ],
    ['POST', '/api/backup/start', { body: { repository: '/r', source_directories: [1] } }, 400, /source_directories must be an array of strings/],
    ['POST', '/api/backup/start', { body: { repository: '/r', archive_name: 7 } }, 400, /archive_name must be string, got integer/],
    ['POST', '/api/backup/start', { body: [] }, 400, /body must be object/],
    ['POST', '/api/backup/run', { body: { repository: 3 } }, 400, /body\/repository must be string/],
    ['POST', '/api/backup/jobs/abc/retry', undefined, 400, /job_id/],
    ['POST', '/api/backup/jobs/0x10/retry', undefined, 400, /decimal digits/],
    ['POST', '/api/backup/jobs/99999/retry', undefined, 404, /job 99999 not found/],
    ['POST', '/api/backup/cancel/99999', { rawBody: '', contentType: 'application/json' }, 404, /job 99999 not found/],
    ['POST', '/api/backup/cancel/99999', { rawBody: '{"x": ', contentType: 'application/json' }, 400, /not valid JSON/],
    ['POST', '/api/repositories/abc/break-lock', undefined, 400, /params\/id must be integer/],
    ['POST', '/api/repositories/1e3/break-lock', undefined, 400, /decimal digits/],
    ['POST', '/api/repositories/99999999999/break-lock', undefined, 404, /repository 99999999999 not found/],
    ['POST', '/api/repositories/99999/break-lock', { rawBody: '', contentType: 'application/json' }, 404, /repository "99999" not found/],
    ['GET', '/api/repositories/nowhere', undefined, 404, /no route/],
  ] as const)('%s %s %j → %i {"detail"}', async (method, url, options, code, detail) => {
    const answer = await rest(server.url, method, url, options ?? {});
    expect(answer.status).toBe(code);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(answer.body)).toEqual(['detail']);
    expect(answer.body.detail).toMatch(detail);
  });

  it('the OpenAPI document describes every REST route, its schemas and the bearer scheme', async () => {
    const { status: code, body } = await rest(server.url, 'GET', '/api/docs/json', { token: null });
    expect(code).toBe(200);
    expect(body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(body.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(body.paths).sort()).toEqual(
      [
        '/api/backup/cancel/{job_id}',
        '/api/backup/jobs',
        '/api/backup/jobs/{job_id}/retry',
        '/api/backup/logs/{job_id}/download',
        '/api/backup/logs/{job_id}/stream',
        '/api/backup/run',
        '/api/backup/start',
        '/api/backup/status/{job_id}',
        '/api/repositories/{id}/break-lock',
        '/api/restore/start',
        '/api/restore/jobs',
        '/api/restore/status/{job_id}',
        '/api/restore/cancel/{job_id}',
        '/api/archives/list',
        '/api/archives/{archive}/info',
        '/api/archives/{archive}/contents',
        '/api/archives/{archive}',
      ].sort(),
    );
    // exactly one of repository and repository_id (Borg UI's two body shapes), /run the same as /start
    for (const route of ['/api/backup/start', '/api/backup/run']) {
      const start = body.paths[route].post.requestBody.content['application/json'].schema;
      expect(start.oneOf).toEqual([{ required: ['repository'] }, { required: ['repository_id'] }]);
      expect(Object.keys(start.properties).sort()).toEqual(['archive_name', 'repository', 'repository_id', 'source_directories']);
    }
    expect(Object.keys(body.paths['/api/backup/jobs/{job_id}/retry'].post.responses).sort()).toEqual(['202', '400', '401', '403', '404']);
    expect(Object.keys(body.paths['/api/repositories/{id}/break-lock'].post.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '422']);
    expect(Object.keys(body.paths['/api/backup/status/{job_id}'].get.responses).sort()).toEqual(['200', '400', '401', '404']);
    expect(body.paths['/api/backup/logs/{job_id}/download'].get.security).toEqual([]);
    const jobJson = body.paths['/api/backup/status/{job_id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(jobJson.properties).sort()).toEqual(JOB_KEYS);
    // the UI's page and assets come from the server itself (no internet on backup servers)
    const page = await rest(server.url, 'GET', '/api/docs/static/index.html', { token: null });
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/https?:\/\/(unpkg|cdn)/);
  });
});
