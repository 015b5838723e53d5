/** The VectorStore and ResourceStore contracts against the KV stores over miniflare's real KV, inside workerd. */
import { env } from 'cloudflare:workers';
import { KvStore } from '../../src/store/kv.ts';
import { KvResourceStore } from '../../src/store/resources.ts';
import type { Env } from '../../src/worker.ts';
import { resourceContract, storeContract } from '../support/store-contract.ts';

const kv = (env as unknown as Env).ITEMS!;

storeContract('kv', () => ({ create: (model) => new KvStore(kv, model), settle: async () => {} }));

// MobileNetV2's width: the int8 code lives in three part keys per item.
storeContract('kv-1792', () => ({ create: (model) => new KvStore(kv, model), settle: async () => {} }), { dims: 1792 });

resourceContract('kv', () => ({ create: (model) => new KvResourceStore(kv, model) }));
