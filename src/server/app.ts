import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { RecoveryReport } from '../jobs/recovery.js';
import { createServices, type Services } from '../services.js';
import { registerMetrics } from './metrics.js';
import { AuthFailureLimiter, type FailureLimits } from './auth/failure-limiter.js';
import { registerAuthHook } from './auth/hook.js';
import { registerCors } from './cors.js';
import { GRAPHQL_ENDPOINT, clientErrorHandler, frameworkErrorHandler, replyError, rootErrorHandler } from './error-replies.js';
import { createGraphQLServer, type Yoga } from './graphql.js';
import { registerHostCheck } from './host-header.js';
import { scrubLogArguments, serializeErrorForLog } from './log-safety.js';
import { MAX_REQUEST_BYTES } from './request-size.js';
import { DOWNLOAD_ROUTE_URL, restApi } from './rest/index.js';
import { closeWhenStalled } from './stalled-clients.js';
import { registerStatusPage, STATUS_PAGE_ROUTES } from './status-page.js';
import { attachGraphQLWebSocket } from './websocket.js';
import { probeDatabase } from '../db/unavailable.js';

/** Options for tests and benchmarks; the server itself runs with the defaults. */
export interface AppOptions {
  /** Fastify's logger: a pino level (default `warn`, or LOG_LEVEL) or false */
  logLevel?: string | false;
  /** minimum gap between two progress writes of a job (default 1000 ms) */
  persistIntervalMs?: number;
  /** failed authentications allowed per client address (default DEFAULT_FAILURE_LIMITS) */
  authFailureLimits?: FailureLimits;
}

/** A composed borgql server; `start()` recovers jobs, then listens. */
export interface App {
  app: FastifyInstance;
  services: Services;
  yoga: Yoga;
  /**
   * Recovers interrupted jobs, makes sure an admin token exists, then
   * listens; resolves with the base URL (`http://host:port`) and, on a first
   * start without BORGQL_ADMIN_TOKEN, the admin token it created (print it once).
   */
  start(): Promise<{ url: string; recovery: RecoveryReport; initialAdminToken: string | null }>;
  /** Cancels running jobs, closes subscriptions, the HTTP server and the database. */
  stop(reason?: string): Promise<void>;
}

/**
 * Builds the whole server for a configuration: the services (createServices
 * migrates the database) and the routes. Nothing listens and no job runs
 * until `start()`.
 */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logLevel = options.logLevel ?? process.env.LOG_LEVEL ?? 'warn';
  const app = Fastify({
    logger:
      logLevel === false
        ? false
        : {
            level: logLevel,
            serializers: {
              // an error logged with its request shows the path only: query strings carry download tokens
              req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
              // Prisma errors quote arguments and values: logged by class and code only
              err: serializeErrorForLog,
            },
            hooks: { logMethod: scrubLogArguments },
          },
    // request lines would log URLs (download tokens live in query strings); errors still log
    logController: new LogController({ disableRequestLogging: true }),
    // SSE subscriptions such as jobEvents never end by themselves; close() must not wait for them
    forceCloseConnections: true,
    bodyLimit: MAX_REQUEST_BYTES,
    // router and HTTP parser refusals answer {"detail"} (GraphQL errors on /graphql) like every other error
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.setErrorHandler(rootErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    replyError(request, reply, { status: 404, message: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'NOT_FOUND' }),
  );
  const { services, lifecycle } = await createServices(config, {
    persistIntervalMs: options.persistIntervalMs,
    warn: (message, error) => app.log.warn({ err: error }, message),
    info: (message) => app.log.info(message),
  });
  const { pubsub, tokens } = services;
  let listenOrigin = `http://${config.host}:${config.port}`;

  const authFailures = new AuthFailureLimiter(options.authFailureLimits);
  // before anything else: a request whose Host makes no URL is refused before any hook or route reads it
  registerHostCheck(app);
  // preflights come without credentials, so they are answered before authentication
  registerCors(app, config.corsOrigins);
  // then authentication, so every route registered after it, here or in a plugin, needs a token
  registerAuthHook(app, tokens, authFailures, { graphqlEndpoint: GRAPHQL_ENDPOINT, ownAuth: [DOWNLOAD_ROUTE_URL], pages: STATUS_PAGE_ROUTES });
  const yoga = createGraphQLServer(services, {
    log: { warn: (m) => app.log.warn(m), error: (m) => app.log.error(m) },
    publicUrl: config.publicUrl,
    listenOrigin: () => listenOrigin,
  });
  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (req, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { req });
      response.headers.forEach((value, key) => void reply.header(key, value));
      reply.status(response.status);
      if (/^(text\/event-stream|multipart\/mixed)/.test(response.headers.get('content-type') ?? '')) {
        closeWhenStalled(reply.raw, config.stalledClientTimeoutSeconds);
      }
      return reply.send(response.body);
    },
  });
  // 503 while the server's own writes fail (a full data disk): jobs and logs then wait in memory;
  // while the database does not answer (PostgreSQL lost), even when nothing waits to be written;
  // and while Redis is away (REDIS_URL): this node neither hears nor reaches the others
  app.get('/healthz', async (_request, reply) => {
    const problem =
      services.health.problem() ??
      (await probeDatabase(() => services.prisma.$queryRaw`SELECT 1`)) ??
      (services.bus.connected ? null : 'Redis is unreachable: events do not cross nodes until it is back');
    return problem === null ? { status: 'ok' } : reply.status(503).send({ status: 'error', detail: problem });
  });
  void app.register(restApi, { yoga, downloads: services.downloads, logs: services.logs });
  registerStatusPage(app);
  const metrics = registerMetrics(app, services);

  let websocket: { close: () => Promise<void> } | null = null;
  let stopping: Promise<void> | null = null;

  return {
    app,
    services,
    yoga,
    async start() {
      // recovery first: /healthz must not answer before interrupted jobs are closed
      const recovery = await lifecycle.start();
      const initialAdminToken = await tokens.ensureAdmin(config.adminToken);
      websocket = attachGraphQLWebSocket(app.server, yoga, tokens, authFailures, { stalledClientTimeoutSeconds: config.stalledClientTimeoutSeconds });
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      listenOrigin = `http://${host}:${address.port}`;
      return { url: listenOrigin, recovery, initialAdminToken };
    },
    stop(reason = 'server shutting down') {
      stopping ??= (async () => {
        metrics.close();
        const stopped = await lifecycle.stop(reason);
        // let subscriptions of the jobs just stopped deliver their last state and complete
        // before their connections close (bounded: a stuck client cannot hold the shutdown)
        const drained = () => stopped.every((id) => pubsub.listenerCount('job', id) + pubsub.listenerCount('jobLog', id) === 0);
        for (let waited = 0; waited < 1000 && !drained(); waited += 10) await sleep(10);
        await sleep(10);
        await websocket?.close();
        await app.close();
        await lifecycle.close();
      })();
      return stopping;
    },
  };
}
