import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { RecoveryReport } from '../jobs/recovery.js';
import { createServices } from '../services.js';
import type { Context } from '../schema/context.js';
import { createGraphQLServer, type Yoga } from './graphql.js';
import { attachGraphQLWebSocket } from './websocket.js';

/** Options for tests and benchmarks; the server itself runs with the defaults. */
export interface AppOptions {
  /** Fastify's logger: a pino level (default `warn`, or LOG_LEVEL) or false */
  logLevel?: string | false;
  /** minimum gap between two progress writes of a job (default 1000 ms) */
  persistIntervalMs?: number;
}

/** A composed borgql server; `start()` recovers jobs, then listens. */
export interface App {
  app: FastifyInstance;
  context: Context;
  yoga: Yoga;
  /** Recovers interrupted jobs, then listens; resolves with the base URL (`http://host:port`). */
  start(): Promise<{ url: string; recovery: RecoveryReport }>;
  /** Cancels running jobs, closes subscriptions, the HTTP server and the database. */
  stop(reason?: string): Promise<void>;
}

/**
 * Builds the whole server for a configuration: the services (createServices
 * migrates the database) and the routes. Nothing listens and no job runs
 * until `start()`.
 */
export function buildApp(config: Config, options: AppOptions = {}): App {
  const logLevel = options.logLevel ?? process.env.LOG_LEVEL ?? 'warn';
  const app = Fastify({
    logger: logLevel === false ? false : { level: logLevel },
    // request lines would log URLs (download tokens live in query strings); errors still log
    logController: new LogController({ disableRequestLogging: true }),
    // SSE subscriptions such as jobEvents never end by themselves; close() must not wait for them
    forceCloseConnections: true,
  });
  const services = createServices(config, {
    persistIntervalMs: options.persistIntervalMs,
    warn: (message, error) => app.log.warn({ err: error }, message),
    info: (message) => app.log.info(message),
  });
  const { pubsub } = services;
  const context: Context = services;

  const yoga = createGraphQLServer(context, { warn: (m) => app.log.warn(m), error: (m) => app.log.error(m) });
  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (req, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
      response.headers.forEach((value, key) => void reply.header(key, value));
      reply.status(response.status);
      return reply.send(response.body);
    },
  });
  app.get('/healthz', async () => ({ status: 'ok' }));

  let websocket: { close: () => Promise<void> } | null = null;
  let stopping: Promise<void> | null = null;

  return {
    app,
    context,
    yoga,
    async start() {
      // recovery first: /healthz must not answer before interrupted jobs are closed
      const recovery = await services.start();
      websocket = attachGraphQLWebSocket(app.server, yoga);
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { url: `http://${host}:${address.port}`, recovery };
    },
    stop(reason = 'server shutting down') {
      stopping ??= (async () => {
        const stopped = await services.stop(reason);
        // let subscriptions of the jobs just stopped deliver their last state and complete
        // before their connections close (bounded: a stuck client cannot hold the shutdown)
        const drained = () => stopped.every((id) => pubsub.listenerCount('job', id) + pubsub.listenerCount('jobLog', id) === 0);
        for (let waited = 0; waited < 1000 && !drained(); waited += 10) await sleep(10);
        await sleep(10);
        await websocket?.close();
        await app.close();
        await services.close();
      })();
      return stopping;
    },
  };
}
