/**
 * @module The job Durable Objects (SQLite storage). One object per job holds its items and what became of
 * each, so counts are exact however often the queue delivers a message (an item leaves `queued` once); its
 * alarm feeds the items to the ingest queue in chunks, so a 100,000-item job needs no long request and
 * resumes where it was after a restart. Once every item is sent, the same alarm is a stall watchdog: a job
 * that made no progress for JOB_STALL_SECONDS sends its still-queued items again (a message can be lost).
 * A second object, the index, lists the jobs newest first.
 * A Durable Object is an entry point of its own: it reads its bindings (INGEST_QUEUE, ITEMS) and its one
 * variable (JOB_STALL_SECONDS, through readConfig like the Worker) from its env.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Job, JobProblem, JobState, JobSwitch } from '../../contract/jobs.ts';
import { PROBLEMS, problemType } from '../../contract/problems.ts';
import { readConfig, type ConfigInput } from '../../config/index.ts';
import type { Metadata } from '../../store/types.ts';
import { kvModelSwitch, type ModelSwitchStore } from './model-switch.ts';
import type { IngestMessage, ItemOutcome, JobHandle, JobIndex, JobSpec } from './types.ts';

/** Messages one alarm sends (10 sendBatch calls); the next alarm sends the next chunk. */
const ENQUEUE_PER_ALARM = 1000;
/** Queues take at most 100 messages and 256 KB per sendBatch. */
const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 200 * 1024;
/** Failures a job answer lists (the counts have them all). */
const LISTED_FAILURES = 100;
/** An alarm this far past its time has not fired: `wrangler dev` does not run alarms it had pending before a restart. */
const OVERDUE_MS = 2000;

interface JobRow {
  id: string;
  type: Job['type'];
  namespace: string;
  model?: string | undefined;
  createdAt: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  state: JobState;
  /** The highest seq sent to the queue. */
  enqueued: number;
  /** When an item last left `queued` or a batch was last sent (ms since the epoch); the stall watchdog's clock. */
  progressAt?: number | undefined;
  /** How many times the stall watchdog sent the still-queued items again (kept here and logged, not answered). */
  resent?: number | undefined;
  /** A re-index that switches the served model when it is done (`configured`: MODEL_ID's model then). */
  switch?: (JobSwitch & { readonly configured: string }) | undefined;
}

export interface JobObjectEnv extends ConfigInput {
  readonly INGEST_QUEUE?: Queue<IngestMessage>;
  /** Where the served-model switch is recorded (model-switch.ts). */
  readonly ITEMS?: KVNamespace;
}

const TERMINAL: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);
const active = (row: JobRow | null): row is JobRow => row !== null && (row.state === 'queued' || row.state === 'running');

function publicSwitch({ configured: _, ...visible }: NonNullable<JobRow['switch']>): JobSwitch {
  return visible;
}

const EXHAUSTED: JobProblem = {
  type: problemType('internal'),
  title: PROBLEMS.internal.title,
  status: PROBLEMS.internal.status,
  detail: 'Every delivery of this item failed (its message went to the dead-letter queue).',
};

export class JobObject extends DurableObject<JobObjectEnv> implements JobHandle {
  private readonly sql: SqlStorage;
  /** JOB_STALL_SECONDS in ms: no progress for this long and the still-queued items are sent again. */
  private readonly stallMs: number;

  constructor(ctx: DurableObjectState, env: JobObjectEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.stallMs = readConfig(env).JOB_STALL_SECONDS * 1000;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS items (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, origin TEXT NOT NULL,
        metadata TEXT, status TEXT NOT NULL, problem TEXT);
      CREATE INDEX IF NOT EXISTS items_status ON items (status, seq);`);
  }

  private row(): JobRow | null {
    const found = this.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'job'`).toArray()[0];
    return found ? (JSON.parse(found.v) as JobRow) : null;
  }

  private save(row: JobRow): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (k, v) VALUES ('job', ?)`, JSON.stringify(row));
  }

  private counts(): Job['counts'] {
    const counts = { total: 0, queued: 0, done: 0, failed: 0, skipped: 0, cancelled: 0 };
    for (const { status, n } of this.sql.exec<{ status: string; n: number }>(`SELECT status, count(*) AS n FROM items GROUP BY status`)) {
      counts.total += n;
      if (status === 'queued' || status === 'done' || status === 'failed' || status === 'skipped' || status === 'cancelled') {
        counts[status] += n;
      }
    }
    return counts;
  }

  private answer(row: JobRow): Job {
    const counts = this.counts();
    const failures = this.sql
      .exec<{ id: string; problem: string }>(`SELECT id, problem FROM items WHERE status = 'failed' ORDER BY seq LIMIT ?`, LISTED_FAILURES)
      .toArray()
      .map(({ id, problem }) => ({ id, problem: JSON.parse(problem) as JobProblem }));
    const finished = counts.done + counts.failed + counts.skipped;
    const started = row.startedAt ? Date.parse(row.startedAt) : undefined;
    const end = row.finishedAt ? Date.parse(row.finishedAt) : Date.now();
    const seconds = started === undefined ? 0 : (end - started) / 1000;
    return {
      id: row.id,
      type: row.type,
      namespace: row.namespace,
      ...(row.model !== undefined && { model: row.model }),
      state: row.state,
      counts,
      failures,
      createdAt: row.createdAt,
      ...(row.startedAt !== undefined && { startedAt: row.startedAt }),
      ...(row.finishedAt !== undefined && { finishedAt: row.finishedAt }),
      ...(seconds > 0 && { rate: Math.round((finished / seconds) * 100) / 100 }),
      ...(row.switch !== undefined && { switch: publicSwitch(row.switch) }),
    };
  }

  private switchStore(): ModelSwitchStore {
    if (!this.env.ITEMS) throw new Error('job object: no ITEMS binding for the model switch');
    return kvModelSwitch(this.env.ITEMS);
  }

  /**
   * A finished job that switches the served model: switched when done with no failed item; otherwise the
   * record goes back to serving `from`. Idempotent: a failed KV write is tried again by the next call.
   */
  private async settleSwitch(row: JobRow): Promise<JobRow> {
    const pending = row.switch;
    if (pending?.state !== 'pending' || !TERMINAL.has(row.state)) return row;
    const store = this.switchStore();
    const counts = this.counts();
    const current = await store.read();
    const at = new Date().toISOString();
    const { configured, from, to } = pending;
    let outcome: JobRow['switch'];
    if (current?.job !== row.id) {
      outcome = { ...pending, state: 'not-switched', detail: 'Its migration record was replaced or removed while it ran.' };
    } else if (row.state === 'done' && counts.failed === 0) {
      await store.write({ configured, from, to, job: row.id, state: 'switched', at });
      outcome = { ...pending, state: 'switched' };
    } else {
      if (from === configured) await store.clear();
      else await store.write({ configured, from, to: from, job: row.id, state: 'switched', at });
      const why = row.state === 'done' ? `${counts.failed} item(s) failed (see failures)` : `the job was ${row.state}`;
      outcome = { ...pending, state: 'not-switched', detail: `${why}: ${from} goes on serving.` };
    }
    const settled = { ...row, switch: outcome };
    this.save(settled);
    return settled;
  }

  /** Done (or failed, when every item failed) once nothing is queued. */
  private settle(row: JobRow): JobRow {
    if (row.state !== 'queued' && row.state !== 'running') return row;
    // Every report asks this: one look at the status index, not a count of every row.
    const left = this.sql.exec<{ id: string }>(`SELECT id FROM items WHERE status = 'queued' LIMIT 1`).toArray();
    if (left.length > 0) return row;
    const counts = this.counts();
    const now = new Date().toISOString();
    const state: JobState = counts.total > 0 && counts.failed === counts.total ? 'failed' : 'done';
    const settled = { ...row, state, startedAt: row.startedAt ?? now, finishedAt: now };
    this.save(settled);
    return settled;
  }

  async create(spec: JobSpec): Promise<Job> {
    const existing = this.row();
    if (existing) return this.answer(existing);
    this.ctx.storage.transactionSync(() => {
      spec.items.forEach((item, seq) => {
        this.sql.exec(
          `INSERT INTO items (seq, id, origin, metadata, status) VALUES (?, ?, ?, ?, 'queued')`,
          seq + 1,
          // The item's key: ids are unique within one namespace, so a job over several names each by both.
          item.namespace === undefined ? item.id : `${item.namespace}/${item.id}`,
          JSON.stringify(item.origin),
          item.metadata === undefined ? null : JSON.stringify(item.metadata),
        );
      });
      const row: JobRow = {
        id: spec.id,
        type: spec.type,
        namespace: spec.namespace,
        model: spec.model,
        createdAt: spec.createdAt,
        state: 'queued',
        enqueued: 0,
        ...(spec.switch && { switch: { ...spec.switch, state: 'pending' as const } }),
      };
      this.save(row);
    });
    const row = await this.settleSwitch(this.settle(this.row()!));
    if (row.state === 'queued') await this.ctx.storage.setAlarm(Date.now());
    return this.answer(row);
  }

  async get(): Promise<Job | null> {
    const row = this.row();
    if (!row) return null;
    await this.rearm(row);
    return this.answer(await this.settleSwitch(row));
  }

  /**
   * Whether the alarm still has work: items queued that this object sends itself (a job of uploads has its
   * items sent by their uploads' events; a job's items are all of one kind, so the first queued one says).
   */
  private sendsQueued(): boolean {
    const first = this.sql.exec<{ origin: string }>(`SELECT origin FROM items WHERE status = 'queued' LIMIT 1`).toArray()[0];
    return first !== undefined && !('upload' in (JSON.parse(first.origin) as object));
  }

  /**
   * Schedules the alarm again when an active job has none that will fire, so a job asked about is never left
   * with nothing to move it on: the runtime gives an alarm up after its handler threw six times (e.g. every
   * sendBatch failing through a queue outage), and older `wrangler dev` releases kept an alarm pending at a
   * restart without running it (workers-sdk#7781; the release this project pins runs it:
   * test/jobs/restart.test.ts). One alarm read per answer of an active job.
   */
  private async rearm(row: JobRow): Promise<void> {
    if (!active(row) || !this.sendsQueued()) return;
    const at = await this.ctx.storage.getAlarm();
    if (at !== null && at > Date.now() - OVERDUE_MS) return;
    await this.ctx.storage.setAlarm(Date.now());
  }

  async pending(ids: readonly string[]): Promise<string[]> {
    // `+status`: look the ids up by the id index. Without it SQLite plans a walk of the status index over every
    // queued row (1.07 ms a call at 10,000 queued, against 0.02 ms; EXPLAIN QUERY PLAN in docs/jobs.md).
    return this.sql
      .exec<{ id: string }>(`SELECT id FROM items WHERE id IN (SELECT value FROM json_each(?)) AND +status = 'queued'`, JSON.stringify(ids))
      .toArray()
      .map(({ id }) => id);
  }

  async awaitingUpload(id: string): Promise<{ metadata?: Metadata | undefined } | null> {
    const found = this.sql
      .exec<{ metadata: string | null }>(
        `SELECT metadata FROM items WHERE id = ? AND status = 'queued' AND json_extract(origin, '$.upload') IS NOT NULL`,
        id,
      )
      .toArray()[0];
    if (!found) return null;
    return found.metadata === null ? {} : { metadata: JSON.parse(found.metadata) as Metadata };
  }

  async report(outcomes: readonly ItemOutcome[]): Promise<JobState | null> {
    const row = this.row();
    if (!row) return null;
    let moved = 0;
    this.ctx.storage.transactionSync(() => {
      for (const outcome of outcomes) {
        if (outcome.status === 'retrying') {
          this.sql.exec(`UPDATE items SET problem = ? WHERE id = ? AND status = 'queued'`, JSON.stringify(outcome.problem), outcome.id);
        } else {
          const problem = outcome.status === 'failed' ? JSON.stringify(outcome.problem) : null;
          moved += this.sql.exec(
            `UPDATE items SET status = ?, problem = ? WHERE id = ? AND status = 'queued'`,
            outcome.status,
            problem,
            outcome.id,
          ).rowsWritten;
        }
      }
    });
    return this.afterOutcomes(row, moved);
  }

  async exhausted(ids: readonly string[]): Promise<JobState | null> {
    const row = this.row();
    if (!row) return null;
    const moved = this.sql.exec(
      `UPDATE items SET status = 'failed', problem = coalesce(problem, ?) WHERE id IN (SELECT value FROM json_each(?)) AND +status = 'queued'`,
      JSON.stringify(EXHAUSTED),
      JSON.stringify(ids),
    ).rowsWritten;
    return this.afterOutcomes(row, moved);
  }

  /** After a report: the watchdog's clock when an item left `queued`; started, settled; no alarm once finished. */
  private async afterOutcomes(row: JobRow, moved: number): Promise<JobState> {
    let next = this.started(row);
    if (moved > 0 && active(next)) {
      next = { ...next, progressAt: Date.now() };
      this.save(next);
    }
    const settled = await this.settleSwitch(this.settle(next));
    if (active(row) && !active(settled)) await this.ctx.storage.deleteAlarm();
    return settled.state;
  }

  async cancel(): Promise<Job | null> {
    const row = this.row();
    if (!row) return null;
    if (row.state !== 'queued' && row.state !== 'running') return this.answer(row);
    const now = new Date().toISOString();
    this.sql.exec(`UPDATE items SET status = 'cancelled' WHERE status = 'queued'`);
    const cancelled: JobRow = { ...row, state: 'cancelled', finishedAt: now };
    this.save(cancelled);
    await this.ctx.storage.deleteAlarm();
    return this.answer(await this.settleSwitch(cancelled));
  }

  private started(row: JobRow): JobRow {
    if (row.startedAt !== undefined || row.state !== 'queued') return row;
    const started: JobRow = { ...row, state: 'running', startedAt: new Date().toISOString() };
    this.save(started);
    return started;
  }

  /** The next items to send after seq `after`. */
  private unsent(after: number) {
    return this.sql
      .exec<{ seq: number; id: string; origin: string; metadata: string | null }>(
        // An item of uploads is sent by its upload's event, not from here.
        `SELECT seq, id, origin, metadata FROM items WHERE seq > ? AND status = 'queued' AND json_extract(origin, '$.upload') IS NULL
         ORDER BY seq LIMIT ?`,
        after,
        ENQUEUE_PER_ALARM,
      )
      .toArray();
  }

  /**
   * Sends the next chunk of items to the queue; schedules itself again until every item is sent. Then it is
   * the stall watchdog: scheduled at the last progress + JOB_STALL_SECONDS, it sends the items still queued
   * again when nothing moved for that long. A message can be lost: `wrangler dev`'s queue keeps its backlog in
   * memory, gone at a restart while this object's state says its items were sent; deployed, a `sendBatch`
   * whose outcome was unknown. A duplicate is harmless (the consumer acks an item no longer queued —
   * `pending()` — and skips one stored with the same content for the model), but wasted work, and an item
   * still being retried by the queue makes no progress meanwhile: JOB_STALL_SECONDS must stay well above the
   * queue's whole retry chain (max_retries 5 with JOB_RETRY_DELAY_SECONDS 5 doubling: 5+10+20+40+80 = 155 s,
   * then the dead-letter queue records it), hence its default of 30 min.
   */
  override async alarm(): Promise<void> {
    let row = this.row();
    if (!active(row)) return;
    const queue = this.env.INGEST_QUEUE;
    if (!queue) throw new Error('job object: no INGEST_QUEUE binding');
    let rows = this.unsent(row.enqueued);
    if (rows.length === 0) {
      // Every item was sent. A job of uploads has nothing to send (it starts with its first upload's report).
      if (!this.sendsQueued()) return;
      const since = row.progressAt ?? Date.parse(row.createdAt);
      if (Date.now() - since < this.stallMs) {
        await this.ctx.storage.setAlarm(since + this.stallMs);
        return;
      }
      const resent = (row.resent ?? 0) + 1;
      console.warn(
        `job ${row.id}: no progress for ${Math.round((Date.now() - since) / 1000)} s, sending its queued items again (${resent})`,
      );
      row = { ...row, enqueued: 0, resent };
      this.save(row);
      rows = this.unsent(0);
    }
    row = this.started(row);
    let chunk: { body: IngestMessage }[] = [];
    let bytes = 0;
    let last = row.enqueued;
    const flush = async () => {
      if (chunk.length === 0) return;
      await queue.sendBatch(chunk);
      // Sent: a restart resumes after it (a message sent twice is harmless, its item leaves `queued` once).
      // Read again: a cancel or a report may have come in while the batch was sent.
      this.save({ ...this.row()!, enqueued: last, progressAt: Date.now() });
      chunk = [];
      bytes = 0;
    };
    for (const item of rows) {
      if (chunk.length === 0 && this.row()?.state === 'cancelled') return;
      const slash = item.id.indexOf('/');
      const body: IngestMessage = {
        job: row.id,
        ...(slash < 0
          ? { namespace: row.namespace, id: item.id }
          : { namespace: item.id.slice(0, slash), id: item.id.slice(slash + 1), key: item.id }),
        origin: JSON.parse(item.origin) as IngestMessage['origin'],
        ...(item.metadata !== null && { metadata: JSON.parse(item.metadata) as IngestMessage['metadata'] }),
        ...(row.model !== undefined && { model: row.model }),
      };
      const size = JSON.stringify(body).length + 100;
      if (chunk.length === SEND_BATCH_MESSAGES || bytes + size > SEND_BATCH_BYTES) await flush();
      chunk.push({ body });
      bytes += size;
      last = item.seq;
    }
    await flush();
    if (!active(this.row())) return;
    // The next chunk at once; after the last, the watchdog.
    await this.ctx.storage.setAlarm(rows.length === ENQUEUE_PER_ALARM ? Date.now() : Date.now() + this.stallMs);
  }
}

/** The list of jobs, newest first: one row per job, in creation order. */
export class JobIndexObject extends DurableObject implements JobIndex {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS jobs (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, created TEXT NOT NULL)`);
  }

  async add(id: string, createdAt: string): Promise<void> {
    this.sql.exec(`INSERT OR IGNORE INTO jobs (id, created) VALUES (?, ?)`, id, createdAt);
  }

  async page(limit: number, cursor: string | undefined): Promise<{ ids: string[]; cursor: string | null }> {
    const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor);
    const rows = this.sql
      .exec<{ n: number; id: string }>(
        `SELECT n, id FROM jobs WHERE n < ? ORDER BY n DESC LIMIT ?`,
        Number.isFinite(before) ? before : 0,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    return { ids: page.map(({ id }) => id), cursor: rows.length > limit ? String(page.at(-1)!.n) : null };
  }
}
