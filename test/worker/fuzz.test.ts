/**
 * The decoder path under a malformed corpus (tools/fuzz/corpus.ts), through the Worker inside workerd:
 * every answer is a 200 with a vector or a 4xx problem+json — never a 5xx, a hang or a dead isolate — and
 * afterwards the Worker still answers /healthz and embeds a valid photo. `npm run fuzz -- --long` runs
 * 10,000+ cases against `wrangler dev`.
 */
import { exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { caseRequest, FuzzReport, generateCorpus, judge } from '../../tools/fuzz/corpus.ts';
import { BASE, call, fixture, TEST_WRITE_KEY } from './helpers.ts';

/** Cases per CI run (the 21 unmodified fixture photos, 13 bombs and 4 empty bodies included). */
const CASES = 1200;
/** MAX_PIXELS of the workerd project (vitest.config.ts). */
const MAX_PIXELS = 10_000_000;

it(`${CASES} malformed and valid images: never a 5xx, and the Worker stays up`, { timeout: 600_000 }, async () => {
  const report = new FuzzReport();
  const started = performance.now();
  for await (const c of generateCorpus(fixture, { cases: CASES, maxPixels: MAX_PIXELS })) {
    const t = performance.now();
    const response = await exports.default.fetch(caseRequest(BASE, c, `Bearer ${TEST_WRITE_KEY}`));
    report.add(c, response.status, await judge(c, response), performance.now() - t);
  }
  console.log(
    `fuzz: ${report.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s; statuses ${report.histogram()}\n${report.table()}`,
  );
  expect(report.failures).toEqual([]);
  expect(report.cases).toBe(CASES);
  expect(report.statuses.get(200) ?? 0).toBeGreaterThan(21);

  // The isolate survived: health, and a valid photo still embeds.
  expect((await call('/healthz')).status).toBe(200);
  const embed = await call('/v1/embed', { method: 'POST', body: fixture('chelsea.png'), headers: { 'content-type': 'image/png' } });
  expect(embed.status).toBe(200);
  expect(((await embed.json()) as { vector: number[] }).vector).toHaveLength(64);
});
