// The cluster's API surface on one server: Query.nodes, Repository.node,
// Job.node, AddRepositoryInput.node, and borg for another node's repository
// going to that node over the bus (a second node is played in this process
// by a NodeCalls that answers as "node-b" on the server's own bus).
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeCalls } from '../../src/cluster/node-calls.js';
import type { ClusterBus } from '../../src/events/cluster-bus.js';
import { startBackup } from '../helpers/documents.js';
import { collectWs, gql } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const ADD = `mutation($input: AddRepositoryInput!) { addRepository(input: $input) {
  __typename ... on Error { message } ... on ValidationError { field } ... on NodeUnreachableError { node }
  ... on AddRepositorySuccess { repository { id node encryption } } } }`;
const NODES = `{ nodes { name version startedAt lastSeenAt alive runningJobs } }`;

describe('the cluster API surface', () => {
  const { dir, server, client } = useServer('cluster-surface', { BORGQL_NODE_NAME: 'node-a' });
  const source = path.join(dir, 'src');
  const add = async (input: Record<string, unknown>) => (await gql<{ addRepository: any }>(server.graphqlUrl, ADD, { input })).addRepository;
  const input = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    path: path.join(dir, 'repos', name),
    sourcePaths: [source],
    passphrase: 'secret',
    initialize: true,
    ...extra,
  });
  /** methods node-b was asked to run */
  const nodeBCalls: string[] = [];

  beforeAll(async () => {
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'file.txt'), 'data');
    const { prisma, bus, repositories, archives } = server.app.services;
    const now = new Date();
    await prisma.clusterNode.createMany({
      data: [
        { name: 'node-b', instanceId: 'b', version, startedAt: now, lastSeenAt: now, leaseSeconds: 3600 },
        { name: 'node-gone', instanceId: 'g', version: '0.0.1', startedAt: new Date(0), lastSeenAt: new Date(0), leaseSeconds: 30 },
      ],
    });
    // node-b shares this host's disk here, so its borg can do the real work
    const asNodeB: ClusterBus = { nodeName: 'node-b', shared: true, send: (message) => bus.send(message), onControl: (listener) => bus.onControl(listener) };
    const nodeB = new NodeCalls(asNodeB);
    nodeB.handle('repository.probe', async (args) => {
      nodeBCalls.push('repository.probe');
      return repositories.probe(args as never);
    });
    nodeB.handle('archives.list', async (args) => {
      nodeBCalls.push('archives.list');
      const repository = await prisma.repository.findUniqueOrThrow({ where: { id: (args as { repositoryId: number }).repositoryId } });
      return archives.list(repository);
    });
  });

  it('lists this node, alive, with its version', async () => {
    const { nodes } = await gql<{ nodes: any[] }>(server.graphqlUrl, NODES);
    expect(nodes.map((node) => node.name)).toEqual(['node-a', 'node-b', 'node-gone']);
    expect(nodes[0]).toMatchObject({ name: 'node-a', version, alive: true, runningJobs: 0 });
    expect(nodes[1]).toMatchObject({ name: 'node-b', alive: true });
    expect(nodes[2]).toMatchObject({ name: 'node-gone', alive: false, runningJobs: 0 });
  });

  it('stores a new repository on this node by default, and its jobs carry no other node', async () => {
    const added = await add(input('local'));
    expect(added.__typename, added.message).toBe('AddRepositorySuccess');
    expect(added.repository).toMatchObject({ node: 'node-a', encryption: 'repokey-blake2' });
    const jobId = await startBackup(server.graphqlUrl, added.repository.id);
    const updates = await collectWs<{ jobProgress: { status: string } }>(client, `subscription($id: ID!) { jobProgress(id: $id) { status } }`, { id: jobId });
    expect(updates.at(-1)?.jobProgress.status).toBe('COMPLETED');
    const { job } = await gql<{ job: any }>(server.graphqlUrl, `query($id: ID!) { job(id: $id) { node repository { node } } }`, { id: jobId });
    expect(job.repository.node).toBe('node-a');
    // the node that claimed it, once claims record it; never another node's name
    expect([null, 'node-a']).toContain(job.node);
    expect(nodeBCalls).toEqual([]);
  }, 60_000);

  it('refuses an unknown node with a ValidationError on node, storing nothing', async () => {
    expect(await add(input('nowhere', { node: 'node-x' }))).toMatchObject({ __typename: 'ValidationError', field: 'node' });
    const { repositories } = await gql<{ repositories: { name: string }[] }>(server.graphqlUrl, '{ repositories { name } }');
    expect(repositories.map((repository) => repository.name)).not.toContain('nowhere');
  });

  it("runs borg init and info of another node's repository on that node, and lists its archives there", async () => {
    const added = await add(input('remote', { node: 'node-b' }));
    expect(added.__typename, added.message).toBe('AddRepositorySuccess');
    expect(added.repository.node).toBe('node-b');
    expect(nodeBCalls).toEqual(['repository.probe']);
    const { repository } = await gql<{ repository: any }>(server.graphqlUrl, `query($id: ID!) { repository(id: $id) { node archives { name } } }`, {
      id: added.repository.id,
    });
    expect(repository).toEqual({ node: 'node-b', archives: [] });
    expect(nodeBCalls).toEqual(['repository.probe', 'archives.list']);
    // a new passphrase is proved there too, and borg's refusal arrives typed
    const update = `mutation($id: ID!, $input: UpdateRepositoryInput!) { updateRepository(id: $id, input: $input) {
      __typename ... on BorgError { msgid } ... on AddRepositorySuccess { repository { node } } } }`;
    const wrong = await gql<{ updateRepository: any }>(server.graphqlUrl, update, { id: added.repository.id, input: { passphrase: 'wrong' } });
    expect(wrong.updateRepository).toEqual({ __typename: 'BorgError', msgid: 'PassphraseWrong' });
    expect(nodeBCalls).toEqual(['repository.probe', 'archives.list', 'repository.probe']);
  }, 60_000);

  it('answers NodeUnreachableError at once for a node whose lease expired, storing nothing', async () => {
    expect(await add(input('stranded', { node: 'node-gone' }))).toMatchObject({ __typename: 'NodeUnreachableError', node: 'node-gone' });
    const { repositories } = await gql<{ repositories: { name: string }[] }>(server.graphqlUrl, '{ repositories { name } }');
    expect(repositories.map((repository) => repository.name)).not.toContain('stranded');
  });
});
