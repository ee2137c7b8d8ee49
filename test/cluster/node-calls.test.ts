// Request and reply between nodes over the bus: results and typed errors
// cross, a dead node is refused at once, a silent one after the timeout.
import { describe, expect, it } from 'vitest';
import { NodeCalls } from '../../src/cluster/node-calls.js';
import { NodeUnreachableError, RepositoryBorgError, ValidationError } from '../../src/domain/errors.js';
import { testBusHub } from '../helpers/test-bus.js';

describe('NodeCalls', () => {
  function twoNodes(options: ConstructorParameters<typeof NodeCalls>[1] = {}) {
    const hub = testBusHub();
    const a = new NodeCalls(hub.bus('a'), options);
    const b = new NodeCalls(hub.bus('b'), options);
    b.handle('echo', (args) => Promise.resolve({ echoed: args, on: 'b' }));
    b.handle('refuse', () => Promise.reject(new ValidationError('no such thing', 'thing')));
    b.handle('borg', () => Promise.reject(new RepositoryBorgError('wrong passphrase', 'PassphraseWrong', 2)));
    a.handle('echo', (args) => Promise.resolve({ echoed: args, on: 'a' }));
    return { a, b };
  }

  it('runs the method on the node named, and on this node directly', async () => {
    const { a } = twoNodes();
    expect(await a.call('b', 'echo', { x: [1, 'two'] })).toEqual({ echoed: { x: [1, 'two'] }, on: 'b' });
    expect(await a.call('a', 'echo', 3)).toEqual({ echoed: 3, on: 'a' });
  });

  it('rebuilds typed errors as their class, with their fields', async () => {
    const { a } = twoNodes();
    const refused = await a.call('b', 'refuse', null).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ message: 'no such thing', field: 'thing' });
    const borg = await a.call('b', 'borg', null).catch((error: unknown) => error);
    expect(borg).toBeInstanceOf(RepositoryBorgError);
    expect(borg).toMatchObject({ msgid: 'PassphraseWrong', exitCode: 2 });
    const unknown = await a.call('b', 'nothing', null).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Error);
    expect((unknown as Error).message).toMatch(/no method nothing/);
  });

  it('refuses a node that is not alive without asking it, and ends a call nobody answers with NodeUnreachableError', async () => {
    const { a } = twoNodes({ timeoutMs: 200, isAlive: (node) => Promise.resolve(node !== 'dead') });
    const dead = await a.call('dead', 'echo', null).catch((error: unknown) => error);
    expect(dead).toBeInstanceOf(NodeUnreachableError);
    expect(dead).toMatchObject({ node: 'dead' });
    const silent = await a.call('silent', 'echo', null).catch((error: unknown) => error);
    expect(silent).toBeInstanceOf(NodeUnreachableError);
    expect((silent as Error).message).toMatch(/did not answer/);
  });
});
