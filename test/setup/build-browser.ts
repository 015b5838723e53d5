/** Vitest global setup: the demo, the browser library and the runtime files they load, into public/. */
import { buildBrowser } from '../../tools/browser/build.ts';

export default async function setup(): Promise<void> {
  await buildBrowser();
}
