import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { listItemsOf } from '../../src/server/list-items.js';

const items = (query: string, variables: Record<string, unknown> = {}, operationName?: string) => listItemsOf(schema, parse(query), variables, operationName);

describe('listItemsOf: the list items a document can make the server read', () => {
  it.each([
    ['a page of jobs', '{ jobs(limit: 20) { id status } }', 20],
    ["the schema's defaults (200 jobs × 1,000 lines)", '{ jobs { logs { lines { content } } } }', 200 + 200 * 1000],
    ["README's History query", '{ jobs(limit: 20) { id logs(offset: 0, limit: 50) { totalLines hasMore lines { lineNumber content } } } }', 20 + 20 * 50],
    ['a page counts whether or not its lines are selected', '{ jobs(limit: 100) { logs(limit: 100) { totalLines } } }', 100 + 100 * 100],
    ['the REST jobs shim at its largest page (logs(limit: 0))', '{ jobs(limit: 10000) { id logs(limit: 0) { totalLines } } }', 10_000],
    ['one job, one large page', '{ job(id: "1") { logs(limit: 10000) { lines { content } } } }', 10_000],
    ['aliases add up', '{ a: jobs(limit: 10) { id } b: jobs(limit: 30) { id } }', 40],
    [
      'lists without a limit count as 10 items (UNBOUNDED_LIST_ITEMS)',
      '{ repositories { sourcePaths lastJob { logs(limit: 100) { totalLines } } } }',
      10 + 10 * 10 + 10 * 100,
    ],
    ['introspection is free', '{ __schema { types { name fields { name args { name } } } } }', 0],
    ['inline fragments are followed', '{ jobs(limit: 3) { ... on BackupJob { logs(limit: 7) { totalLines } } } }', 3 + 3 * 7],
  ])('%s', (_what, query, expected) => {
    expect(items(query)).toBe(expected);
  });

  it('reads limits from variables, their defaults and the argument defaults', () => {
    const query = 'query($jobs: Int = 5, $lines: Int) { jobs(limit: $jobs) { logs(limit: $lines) { totalLines } } }';
    expect(items(query, { jobs: 100, lines: 10 })).toBe(100 + 100 * 10);
    expect(items(query, { lines: 10 })).toBe(5 + 5 * 10);
    // $lines absent: the argument's own default (1,000) applies
    expect(items(query, {})).toBe(5 + 5 * 1000);
  });

  it('counts the operation that runs', () => {
    const document = 'query Small { jobs(limit: 1) { id } } query Large { jobs(limit: 9) { id } }';
    expect(items(document, {}, 'Small')).toBe(1);
    expect(items(document, {}, 'Large')).toBe(9);
  });

  it('gives up (null) on variables that do not coerce: execution refuses them', () => {
    expect(items('query($n: Int!) { jobs(limit: $n) { id } }', {})).toBeNull();
    expect(items('query($n: Int) { jobs(limit: $n) { id } }', { n: 'many' })).toBeNull();
  });

  it('counts a fragment once per spread without walking it again: 40 levels of fragments spread twice each finish at once', () => {
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on Query { jobs(limit: 1) { id } }` : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    expect(items(`{ ...F0 } ${fragments.join(' ')}`)).toBe(2 ** (levels - 1));
  });
});
