import { MemoryRegistry, MemoryStore } from './memory-registry.ts';
import { registryContract } from './registry.contract.ts';

registryContract('memory', () => {
  const store = new MemoryStore();
  return { connect: (clock) => new MemoryRegistry({ store, clock }) };
});
