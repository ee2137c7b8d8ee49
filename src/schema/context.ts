import type { PrismaClient } from '../db/client.js';
import type { JobManager } from '../jobs/manager.js';
import type { RepositoryService } from '../jobs/repositories.js';
import type { JobPubSub } from '../jobs/topics.js';

/** What every resolver gets: the services of the server that runs it. */
export interface Context {
  prisma: PrismaClient;
  jobs: JobManager;
  repositories: RepositoryService;
  pubsub: JobPubSub;
}
