import { MemoryStore } from '../../src/store/memory.ts';
import { storeContract } from '../support/store-contract.ts';

storeContract('memory', () => ({ create: (model) => new MemoryStore(model), settle: async () => {} }));
