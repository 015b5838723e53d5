/**
 * @module Export and import of a namespace as NDJSON (one item a line; Vectorize's bulk-insert lines).
 *
 * Export streams the store's scan (exact vectors, a page of KV list results at a time) as lines: the namespace
 * is never held whole. Import reads its body a line at a time and upserts in batches through the indexer
 * (vectors path: the same model check as an item PUT). A line that is not an item stops the import with a
 * `malformed-ndjson` problem naming the line and how many items before it were written: every line before it
 * is written first, nothing after it is read.
 */
import { ProblemError, type ProblemKind } from '../contract/problems.ts';
import { NdjsonItem } from '../contract/transfer.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import { itemLine, LineNotUtf8, readLines, StreamTooLarge } from '../core/util/ndjson.ts';
import type { ScanPage, VectorStore } from '../store/types.ts';
import type { Indexer, ItemDraft } from './indexer.ts';

/** Items per scan page of an export (one KV list call's worth). */
const EXPORT_PAGE = 1000;

const encoder = new TextEncoder();

function pageText(page: ScanPage): string {
  const { ids, metadata, dims, vectors } = page;
  let text = '';
  for (let i = 0; i < ids.length; i++) text += itemLine(ids[i]!, vectors!.subarray(i * dims, (i + 1) * dims), metadata[i]);
  return text;
}

/**
 * The namespace as NDJSON bytes. The first page is read before this resolves, so a store that cannot scan, or a
 * refused namespace, rejects here (a problem answer) rather than in the middle of a streamed body; a later
 * failure (e.g. the KV operations of one invocation spent) errors the stream, which the client sees as a broken
 * transfer, never as a short file that looks whole.
 */
export async function exportNamespace(store: VectorStore, namespace: string): Promise<ReadableStream<Uint8Array>> {
  const pages = store.scan({ namespace, values: 'exact', pageSize: EXPORT_PAGE })[Symbol.asyncIterator]();
  const first = await pages.next();
  let pending: IteratorResult<ScanPage> | undefined = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = pending ?? (await pages.next());
        pending = undefined;
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(pageText(next.value)));
      },
      async cancel() {
        await pages.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}

export interface ImportOptions {
  readonly indexer: Indexer;
  /** The serving model: an import's header model must be it. */
  readonly model: ModelManifest;
  readonly namespace: string;
  /** What the request says made the vectors (X-Model-Id, X-Model-Version, X-Vector-Dims). */
  readonly from: { readonly id: string; readonly version: string; readonly dims?: number | undefined };
  readonly maxBytes: number;
  readonly maxItems: number;
}

export interface Imported {
  readonly written: number;
  readonly lines: number;
}

/** Refuses an import for another model before any line is read (the indexer would refuse each vector too). */
export function checkImportModel(model: ModelManifest, from: ImportOptions['from']): void {
  const expected = { id: model.id, version: model.version, dims: model.dims };
  if (from.id !== model.id || from.version !== model.version) {
    throw new ProblemError(
      'model-mismatch',
      `The import holds ${from.id}@${from.version} vectors; this deployment stores ${model.id}@${model.version} vectors only (re-embed the originals, or import into a deployment serving that model).`,
      { expected },
    );
  }
  if (from.dims !== undefined && from.dims !== model.dims) {
    throw new ProblemError('dims-mismatch', `X-Vector-Dims is ${from.dims}; ${model.id}@${model.version} makes ${model.dims}.`, {
      expected,
    });
  }
}

/** Why a parsed line is not an item, or undefined when it is one. */
function lineProblem(value: unknown, dims: number): string | undefined {
  const parsed = NdjsonItem.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${issue.path.join('.') || '(the line)'}: ${issue.message}`;
  }
  if (parsed.data.values.length !== dims) return `values has ${parsed.data.values.length} numbers; the model makes ${dims}`;
  return undefined;
}

export async function importNdjson(body: ReadableStream<Uint8Array>, options: ImportOptions): Promise<Imported> {
  const { indexer, model, namespace, from, maxBytes, maxItems } = options;
  checkImportModel(model, from);
  const source = { id: from.id, version: from.version };
  const batchSize = indexer.store.capabilities.maxUpsertBatch;
  let batch: ItemDraft[] = [];
  let ids = new Set<string>();
  let written = 0;
  let lines = 0;

  /** A refusal after `written` items: they stay written, and the answer says so. */
  const stop = (kind: ProblemKind, detail: string, extra: Record<string, unknown> = {}): never => {
    throw new ProblemError(kind, `${detail} ${written} item(s) before it were written; the rest of the body was not read.`, {
      ...extra,
      written,
    });
  };

  const flush = async () => {
    if (batch.length === 0) return;
    try {
      await indexer.putMany(namespace, batch);
    } catch (error) {
      if (error instanceof ProblemError)
        stop(error.kind, `${error.message} (writing the items from line ${lines - batch.length + 1}).`, { ...error.extra });
      throw error;
    }
    written += batch.length;
    batch = [];
    ids = new Set();
  };

  try {
    for await (const line of readLines(body, maxBytes)) {
      lines = line.number;
      if (line.text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch (error) {
        await flush();
        stop('malformed-ndjson', `Line ${line.number} is not JSON (${error instanceof Error ? error.message : String(error)}).`, {
          line: line.number,
        });
      }
      const why = lineProblem(value, model.dims);
      if (why) {
        await flush();
        stop('malformed-ndjson', `Line ${line.number} is not an item: ${why}.`, { line: line.number });
      }
      if (written + batch.length >= maxItems) {
        await flush();
        stop(
          'batch-too-large',
          `Line ${line.number} is past the ${maxItems} items one import writes (IMPORT_MAX_ITEMS); send it and the rest in another request.`,
          {
            line: line.number,
            limit: maxItems,
          },
        );
      }
      const item = value as NdjsonItem;
      // A repeated id replaces the earlier line's item, in order: the batch holding it is written first.
      if (ids.has(item.id) || batch.length >= batchSize) await flush();
      ids.add(item.id);
      batch.push({ id: item.id, metadata: item.metadata, source: { vector: item.values, model: source } });
    }
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    await flush();
    if (error instanceof StreamTooLarge)
      stop('body-too-large', `The body is over ${maxBytes} bytes (IMPORT_MAX_BYTES) after line ${lines}.`, { limit: maxBytes });
    if (error instanceof LineNotUtf8) stop('malformed-ndjson', `Line ${error.line} is not UTF-8.`, { line: error.line });
    throw error;
  }
  await flush();
  return { written, lines };
}
