/**
 * @module The analytics bench's Worker (bundled by tools/bench/analytics.ts, run in local workerd):
 *   POST /setup?n=&dims=&seed=   builds the synthetic int8 rows and keeps them in the isolate
 *   POST /run?op=&query=         one op over them (tools/bench/analytics-ops.ts), its summary as JSON
 *   GET  /noop, /healthz         nothing: the request overhead the driver subtracts; wrangler dev readiness
 * Timers are frozen during compute in Workers, so the driver times requests from outside.
 */
import type { Rows } from '../../src/core/learn/rows.ts';
import { syntheticRows, type SyntheticRows } from './analytics-data.ts';
import { OPS, rowsOf, runOp, type Op } from './analytics-ops.ts';

let held: { data: SyntheticRows; rows: Rows } | undefined;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const number = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    try {
      if (url.pathname === '/noop' || url.pathname === '/healthz') return json({ ok: true });
      if (url.pathname === '/setup') {
        const data = syntheticRows(number('n', 1000), number('dims', 512), number('seed', 2026));
        held = { data, rows: rowsOf(data) };
        return json({ n: data.n, dims: data.dims, bytes: data.codes.byteLength + data.scales.byteLength, planted: data.planted });
      }
      if (url.pathname === '/run') {
        const op = url.searchParams.get('op') as Op;
        if (!OPS.includes(op)) return json({ error: `op must be one of ${OPS.join(', ')}` }, 400);
        if (!held) return json({ error: 'POST /setup first' }, 409);
        return json(runOp(op, held.data, held.rows, number('query', 0)));
      }
      return json({ error: 'not found' }, 404);
    } catch (error) {
      return json({ error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }, 500);
    }
  },
};
