/**
 * @module Hands onnxruntime-web a precompiled WebAssembly.Module where run-time compilation is forbidden.
 *
 * Workers refuse `WebAssembly.instantiate(bytes)` ("Wasm code generation disallowed by embedder"):
 * the `.wasm` must be imported as a module. onnxruntime-web has no option that takes a Module, but
 * when `env.wasm.wasmBinary` is set its Emscripten loader calls `WebAssembly.instantiate(bytes,
 * imports)` with exactly those bytes. We give it a marker instead of a binary and answer that one
 * call with the precompiled module; every other call goes to the real function.
 */
const MARKER = new TextEncoder().encode('edge-features: precompiled onnxruntime wasm');

function isMarker(source: unknown): boolean {
  let bytes: Uint8Array;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  else return false;
  return bytes.byteLength === MARKER.byteLength && bytes.every((b, i) => b === MARKER[i]);
}

type Instantiate = typeof WebAssembly.instantiate;
let installedFor: WebAssembly.Module | undefined;
let memory: WebAssembly.Memory | undefined;

/** The instance's linear memory (imported or exported), once instantiated. */
function findMemory(imports: WebAssembly.Imports | undefined, instance: WebAssembly.Instance): WebAssembly.Memory | undefined {
  for (const namespace of Object.values(imports ?? {})) {
    for (const value of Object.values(namespace)) if (value instanceof WebAssembly.Memory) return value;
  }
  return Object.values(instance.exports).find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory);
}

/**
 * Bytes of onnxruntime's WebAssembly memory: its high-water mark, since wasm memory never shrinks.
 * Undefined before the first session is created.
 */
export function ortWasmMemoryBytes(): number | undefined {
  return memory?.buffer.byteLength;
}

/** Installs the hook (once per isolate) and returns the value to put in `env.wasm.wasmBinary`. */
export function precompiledWasmBinary(module: WebAssembly.Module): ArrayBuffer {
  if (installedFor && installedFor !== module) throw new Error('a different onnxruntime wasm module is already installed');
  if (!installedFor) {
    installedFor = module;
    const original: Instantiate = WebAssembly.instantiate.bind(WebAssembly);
    const hooked = (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> =>
      isMarker(source)
        ? original(module, imports).then((instance) => {
            memory = findMemory(imports, instance);
            return { instance, module };
          })
        : (original as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
    WebAssembly.instantiate = hooked as Instantiate;
  }
  return MARKER.slice().buffer;
}
