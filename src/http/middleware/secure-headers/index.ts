/**
 * @module Security headers on every response (Hono's `secureHeaders`), and a Content-Security-Policy on
 * HTML pages (the demo).
 *
 * Every response: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy:
 * no-referrer`, `Cross-Origin-Resource-Policy: same-origin` (routes that serve other origins set their
 * own), `Cross-Origin-Opener-Policy: same-origin` and Hono's other defaults. A header a route set itself is
 * kept (the static routes' cross-origin isolation headers, the thumbnails' CORP). HSTS is left to the
 * Cloudflare zone (SSL/TLS settings), where it can be set for a domain knowingly.
 *
 * The page policy allows only the deployment's own scripts, styles, workers and fetches; WebAssembly
 * compilation (`'wasm-unsafe-eval'`, which onnxruntime-web and the codecs need) but no JavaScript eval;
 * images from the deployment and from `blob:`/`data:` (previews drawn in the page); no plugins, no
 * framing, no `<base>` rewriting.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders as honoSecureHeaders } from 'hono/secure-headers';

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self' blob: data:",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const base = honoSecureHeaders({
  xFrameOptions: 'DENY',
  strictTransportSecurity: false,
  // Routes that must differ (cross-origin isolation, shared runtime files, thumbnails) set their own.
  overwrite: false,
});

function isHtml(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html');
}

export function secureHeaders(): MiddlewareHandler {
  return async function secureHeaders(c, next) {
    await base(c, async () => {
      await next();
      if (isHtml(c.res) && !c.res.headers.has('content-security-policy')) c.res.headers.set('content-security-policy', PAGE_CSP);
    });
  };
}
