import { describe, expect, it } from 'vitest';
import { graphiqlPageRenderer } from '../../src/server/graphiql-page.js';

describe('graphiqlPageRenderer', () => {
  it('renders the page in a thread once per options, and gives every view its own copy of it', async () => {
    const render = graphiqlPageRenderer();
    const options = { title: 'borgql <test>', defaultTabs: [{ query: '{ jobs { id } }' }] };
    const first = await render(options);
    const html = new TextDecoder().decode(first);
    expect(html).toMatch(/<title>borgql <test><\/title>[\s\S]*YogaGraphiQL\.renderYogaGraphiQL/);
    expect(html).toContain(JSON.stringify(options));
    first.fill(0);
    const second = await render(options);
    expect(new TextDecoder().decode(second)).toBe(html);
    const other = new TextDecoder().decode(await render({ title: 'other' }));
    expect(other).toContain('<title>other</title>');
  }, 30_000);
});
