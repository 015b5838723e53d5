/**
 * The internet as the workerd tests see it (miniflare's outboundService; Node side): image URLs for ingest
 * jobs on http://images.test, with the faults a job must survive.
 *
 *     /fixture/<name>            a fixture photo (../shared/fixtures/images)
 *     /text                      200 text/plain (no image)
 *     /status/<n>                that status, always
 *     /hang                      headers never come (the fetch must hit FETCH_TIMEOUT_MS)
 *     /big/<mib>                 that many MiB of zeros, without a Content-Length (the byte limit must stop it)
 *     /redirect/<n>/<name>       n redirects, then the photo
 *     /flaky/<key>/<name>        503 the first time per key, then the photo
 */
import { Response, type Request } from 'miniflare';
import { fixtureImage } from '../setup/fixtures.ts';

const seen = new Set<string>();

export async function imageServer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname !== 'images.test') return new Response('tests reach no other host', { status: 502 });
  const [route = '', ...rest] = url.pathname.slice(1).split('/');
  const photo = (name: string) => new Response(fixtureImage(name), { headers: { 'content-type': 'application/octet-stream' } });
  switch (route) {
    case 'fixture':
      return photo(rest[0]!);
    case 'text':
      return new Response('not an image at all', { headers: { 'content-type': 'text/plain' } });
    case 'status':
      return new Response('no', { status: Number(rest[0]) });
    case 'hang':
      // Longer than any test's FETCH_TIMEOUT_MS; ends on its own so that nothing is left running.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return new Response('too late', { status: 504 });
    case 'big': {
      const chunk = new Uint8Array(64 * 1024);
      let left = Number(rest[0]) * 16;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (left-- > 0) controller.enqueue(chunk);
          else controller.close();
        },
      });
      return new Response(body as unknown as ConstructorParameters<typeof Response>[0], { headers: { 'content-type': 'image/png' } });
    }
    case 'redirect': {
      const n = Number(rest[0]);
      if (n === 0) return photo(rest[1]!);
      return new Response(null, { status: 302, headers: { location: `/redirect/${n - 1}/${rest[1]}` } });
    }
    case 'flaky': {
      const key = rest[0]!;
      if (!seen.has(key)) {
        seen.add(key);
        return new Response('busy', { status: 503 });
      }
      return photo(rest[1]!);
    }
    default:
      return new Response('no such test route', { status: 404 });
  }
}
