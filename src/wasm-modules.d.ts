/** wrangler (esbuild) turns an imported `.wasm` file into a precompiled module. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
