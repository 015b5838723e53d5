/**
 * @module A minimal Chrome DevTools Protocol client for the Worker's isolate under `wrangler dev
 * --inspector-port`: V8 heap figures (workerd has no `performance.memory`) and a forced collection.
 *
 * wrangler's inspector proxy wants a loopback `Origin`; Node's WebSocket (undici) takes headers as an option.
 * A `HeapProfiler.collectGarbage` runs when the isolate is next entered: send any request after it.
 */

export interface HeapUsage {
  /** Bytes used in V8's JavaScript heap. */
  readonly usedSize: number;
  readonly totalSize: number;
  /** Bytes of ArrayBuffer backing stores (WebAssembly memories are not in it). */
  readonly backingStorageSize: number;
  /** Bytes of the embedder's (workerd's) C++ heap objects. */
  readonly embedderHeapUsedSize: number;
}

export interface Inspector {
  heapUsage(): Promise<HeapUsage>;
  /** Asks for a full collection; it happens when the isolate next runs (send a request). */
  requestGc(): Promise<void>;
  close(): void;
}

type WebSocketWithHeaders = new (url: string, options: { headers: Record<string, string> }) => WebSocket;

export async function connectInspector(port: number, timeoutMs = 10_000): Promise<Inspector> {
  const ws = new (WebSocket as unknown as WebSocketWithHeaders)(`ws://127.0.0.1:${port}/ws`, {
    headers: { Origin: 'http://localhost' },
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot connect to the inspector on port ${port}`)), { once: true });
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`inspector: ${method} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('HeapProfiler.enable');
  return {
    heapUsage: () => send<HeapUsage>('Runtime.getHeapUsage'),
    requestGc: async () => {
      // Answered once the collection ran, i.e. when the isolate is next entered: do not wait for it here.
      send('HeapProfiler.collectGarbage').catch(() => undefined);
    },
    close: () => ws.close(),
  };
}
