/**
 * The API reference page (/reference/, Swagger UI shipped as static assets) in headless Chromium against
 * `wrangler dev`: it renders every operation of the Worker's /openapi.json under the Worker's
 * Content-Security-Policy, with no console errors and no request leaving the deployment's origin.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer, type Browser, type Server } from './support.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface OpenApiDocument {
  readonly paths: Record<string, Partial<Record<(typeof METHODS)[number], { responses: Record<string, unknown> }>>>;
}

let server: Server;
let browser: Browser;
let page: Page;
let document: OpenApiDocument;
/** Every URL the browser asked for. */
const requested: string[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
  browser.context.on('request', (request) => requested.push(request.url()));
  page = await browser.newPage();
  await page.goto(`${server.url}/reference/`);
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state === 'ready',
    undefined,
    {
      timeout: 60_000,
    },
  );
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** `GET /v1/items/{id}` for each operation, as the document lists them. */
function operations(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the API reference page', () => {
  it('is served with the page policy: same-origin scripts and styles only', async () => {
    const response = await fetch(`${server.url}/reference/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'[^;]*;/);
    expect(response.headers.get('content-security-policy')).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
    const html = await response.text();
    expect(html).not.toMatch(/<script>|\sstyle=|\son[a-z]+=|https?:\/\//); // no inline script or style, nothing off-origin
  });

  it('renders every operation of /openapi.json', async () => {
    const expected = operations(document);
    expect(expected.length).toBeGreaterThan(10);
    const rendered = await page.locator('.opblock').evaluateAll((blocks) =>
      blocks.map((block) => {
        const el = block as unknown as {
          querySelector(s: string): { textContent: string | null; getAttribute(n: string): string | null } | null;
        };
        return `${el.querySelector('.opblock-summary-method')?.textContent} ${el.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`;
      }),
    );
    expect(rendered.sort()).toEqual(expected.sort());
  });

  it("shows an operation's statuses when it is opened", async () => {
    const [path, item] = Object.entries(document.paths).find(([p, i]) => p === '/v1/embed' && i.post)!;
    const block = page.locator('.opblock-post').filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
    await block.locator('.opblock-summary').click();
    const statuses = Object.keys(item.post!.responses);
    await expect.poll(() => block.locator('.responses-table tr.response .response-col_status').allTextContents()).toEqual(statuses);
  });

  it('logs no errors and sends no request off the deployment', async () => {
    const origin = new URL(server.url).origin;
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(requested).toContain(`${origin}/openapi.json`);
    expect(browser.errors).toEqual([]);
  });
});
