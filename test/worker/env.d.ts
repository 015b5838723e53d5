/** Types `exports` from `cloudflare:workers` in tests: the Worker's main module is src/worker.ts. */
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('../../src/worker.ts');
  }
}
