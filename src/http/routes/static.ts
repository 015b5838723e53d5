/**
 * @module Static files (the demo page, the browser library, onnxruntime's and the codecs' wasm, model
 * files) for every GET the API does not answer. The Worker runs first (`run_worker_first`), so the
 * headers that make the demo cross-origin isolated (WASM threads) and let other origins load the
 * runtime files are set here, in one place.
 */
import { Hono, type Context } from 'hono';
import { notFound } from '../errors.ts';

/** Fetches a static asset (the Worker passes its `ASSETS` binding). */
export type AssetFetcher = (request: Request) => Promise<Response>;

/** Where the demo lives; `/` redirects there. */
export const DEMO_PATH = '/demo/';

/** Public runtime files any origin may load with the browser library (CORS + CORP cross-origin). */
const SHARED_PREFIXES = ['/models/', '/ort/', '/codecs/', '/browser/'];

/** Paths that belong to the API (the path itself and everything below it): never served from static files. */
const API_ROOTS = ['/v1', '/healthz'];

function isApiPath(pathname: string): boolean {
  return API_ROOTS.some((root) => pathname === root || pathname.startsWith(`${root}/`));
}

export function staticRoutes(options: { assets?: AssetFetcher | undefined }) {
  async function serveStatic(c: Context): Promise<Response> {
    const { pathname } = new URL(c.req.url);
    if (!options.assets || isApiPath(pathname)) return notFound(c);
    if (pathname === '/') return c.redirect(DEMO_PATH, 302);
    const asset = await options.assets(c.req.raw);
    if (asset.status === 404) {
      await asset.body?.cancel();
      return notFound(c);
    }
    const response = new Response(asset.body, asset);
    const headers = response.headers;
    // Cross-origin isolation, so onnxruntime-web may run WASM threads in the demo (and its workers).
    headers.set('cross-origin-opener-policy', 'same-origin');
    headers.set('cross-origin-embedder-policy', 'require-corp');
    headers.set('x-content-type-options', 'nosniff');
    if (SHARED_PREFIXES.some((prefix) => pathname.startsWith(prefix))) {
      headers.set('cross-origin-resource-policy', 'cross-origin');
      headers.set('access-control-allow-origin', '*');
    } else {
      headers.set('cross-origin-resource-policy', 'same-origin');
    }
    return response;
  }
  return new Hono().get('/', serveStatic).get('/*', serveStatic);
}
