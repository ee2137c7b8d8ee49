import { describe, expect, it } from 'vitest';
import { graphiqlPageRenderer } from '../../src/server/graphiql-page.js';

const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe('graphiqlPageRenderer', () => {
  it('renders the page and streams the same page to every view, per options', async () => {
    const render = graphiqlPageRenderer();
    const options = { title: 'borgql <test>', defaultTabs: [{ query: '{ jobs { id } }' }] };
    const html = await text(await render(options));
    expect(html).toMatch(/<title>borgql <test><\/title>[\s\S]*YogaGraphiQL\.renderYogaGraphiQL/);
    expect(html).toContain(JSON.stringify(options));
    expect(await text(await render(options))).toBe(html);
    expect(await text(await render({ title: 'other' }))).toContain('<title>other</title>');
  }, 30_000);
});
