import type { NodeInfo } from '../cluster/nodes.js';
import { builder } from './builder.js';

const NodeRef = builder.objectRef<NodeInfo>('Node').implement({
  description: 'A server of the cluster (README "Running several nodes"); a server alone is one node',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'BORGQL_NODE_NAME, unique in the cluster' }),
    version: t.exposeString('version', { description: 'the borgql version it runs' }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', description: 'when it last renewed its lease' }),
    alive: t.exposeBoolean('alive', { description: 'its lease has not expired (lastSeenAt + BORGQL_NODE_LEASE_SECONDS is ahead)' }),
    runningJobs: t.exposeInt('runningJobs', { description: 'jobs RUNNING on it now' }),
  }),
});

builder.queryFields((t) => ({
  nodes: t.field({
    type: [NodeRef],
    description: 'The nodes of the cluster by name, dead ones included (alive false) until they leave the table',
    resolve: (_root, _args, ctx) => ctx.nodes.list(),
  }),
}));
