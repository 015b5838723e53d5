/** @module Types of the generated libheif glue: an emscripten module factory (libheif.ts lists the exports used). */
declare function libheif(options?: unknown): Promise<unknown>;
export default libheif;
