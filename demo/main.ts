/**
 * @module The demo page (public/demo/index.html): embeds photos in the browser with the library's
 * extractor (WebGPU or WASM), stores the vectors through the HTTP API, shows the nearest stored photos
 * with their thumbnails, what they say about the photo (its predicted label, cluster and near-duplicates) and
 * compares two photos. No inline script or style (CSP-friendly).
 *
 * `?backend=wasm|webgpu|auto` picks the backend (default auto); `?namespace=` the item namespace.
 *
 * Storing needs an API key with the write scope: the page asks for one and keeps it in sessionStorage (this
 * tab only), sending it as `Authorization: Bearer …` on every API call. Searching works without a key
 * while the deployment leaves reads open (READ_AUTH = "open").
 */
import {
  EdgeFeaturesError,
  ImageError,
  cosine,
  createBrowserExtractor,
  createClient,
  euclidean,
  type BackendPreference,
  type BrowserExtractor,
  type Progress,
  type SearchResult,
} from '../src/browser/index.ts';
import { DEFAULT_DUPLICATE_THRESHOLD, DEFAULT_MAX_PIXELS, DUPLICATE_THRESHOLDS } from '../src/config/defaults.ts';

const THUMBNAIL_SIDE = 160;
const NEIGHBOURS = 8;
const ID_PATTERN = /^[A-Za-z0-9_~:-][A-Za-z0-9._~:-]{0,63}$/;

const params = new URLSearchParams(location.search);
const backendParam = params.get('backend');
const backend: BackendPreference = backendParam === 'wasm' || backendParam === 'webgpu' ? backendParam : 'auto';
const namespace = params.get('namespace') || undefined;
const API_KEY_STORAGE = 'edge-features-api-key';

/** A client that sends the API key, if one was given. */
function clientFor(apiKey: string) {
  return createClient({
    baseUrl: location.origin,
    ...(namespace && { namespace }),
    ...(apiKey && { headers: { authorization: `Bearer ${apiKey}` } }),
  });
}
let client = clientFor(sessionStorage.getItem(API_KEY_STORAGE) ?? '');

function $<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

const ui = {
  modelName: $('model-name'),
  backend: $('backend'),
  loadTime: $('load-time'),
  loadStatus: $('load-status'),
  loadProgress: $<HTMLProgressElement>('load-progress'),
  loadError: $('load-error'),
  loadErrorText: $('load-error-text'),
  retry: $<HTMLButtonElement>('retry'),
  drop: $('drop'),
  file: $<HTMLInputElement>('file'),
  embedError: $('embed-error'),
  current: $('current'),
  preview: $<HTMLImageElement>('preview'),
  embedResult: $('embed-result'),
  storeForm: $<HTMLFormElement>('store-form'),
  itemId: $<HTMLInputElement>('item-id'),
  apiKey: $<HTMLInputElement>('api-key'),
  store: $<HTMLButtonElement>('store'),
  storeResult: $('store-result'),
  similarNote: $('similar-note'),
  similarError: $('similar-error'),
  similar: $<HTMLOListElement>('similar'),
  insights: $('insights'),
  compareA: $<HTMLInputElement>('compare-a'),
  compareB: $<HTMLInputElement>('compare-b'),
  previewA: $<HTMLImageElement>('preview-a'),
  previewB: $<HTMLImageElement>('preview-b'),
  compareResult: $('compare-result'),
  compareError: $('compare-error'),
};

let extractor: BrowserExtractor | undefined;
/** The photo on screen: its file, vector and thumbnail (made once, uploaded when stored). */
let current: { file: File; vector: Float32Array; thumbnail: Promise<Blob | undefined> } | undefined;
const compared: { a?: Float32Array; b?: Float32Array } = {};

const ms = (value: number) => (value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const backendName = (b: string) => (b === 'webgpu' ? 'WebGPU' : 'WASM');

function show(element: HTMLElement, text: string | undefined): void {
  element.textContent = text ?? '';
  element.hidden = !text;
}

/** A message a person can act on, for anything the library, the codecs or the service throw. */
function describe(error: unknown, fileName?: string): string {
  const name = fileName ? `“${fileName}”` : 'This file';
  if (error instanceof ImageError) {
    if (error.code === 'unsupported_format')
      return `${name} is not a photo this page can read: use a JPEG, PNG, WebP, GIF, BMP, AVIF or HEIC image.`;
    if (error.code === 'too_many_pixels')
      return `${name} is too large (${error.message}). Use a photo of at most ${DEFAULT_MAX_PIXELS / 1e6} megapixels.`;
    return `${name} could not be decoded: it looks damaged or truncated (${error.message}).`;
  }
  if (error instanceof EdgeFeaturesError) {
    if (error.kind === 'network') return 'Cannot reach the service: check your connection and try again.';
    const scope = String(error.problem?.['scope'] ?? 'write');
    if (error.problemKind === 'invalid-api-key') return 'The service does not know this API key: check the one under “API key”.';
    if (error.status === 401)
      return `This needs an API key with the “${scope}” scope: enter one under “API key” (locally, npm start puts one in .dev.vars).`;
    if (error.status === 403) return `The API key under “API key” lacks the “${scope}” scope this needs.`;
    if (error.problem) return `The service refused: ${error.problem.title}. ${error.problem.detail}`;
    return `The service answered ${error.status ?? 'an error'}: ${error.message}`;
  }
  if (error instanceof TypeError && /fetch|network/i.test(error.message))
    return 'Cannot reach the service: check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

function setBusy(busy: boolean): void {
  document.body.dataset.busy = String(busy);
  for (const input of [ui.file, ui.compareA, ui.compareB]) input.disabled = busy || !extractor;
  ui.store.disabled = busy || !current;
}

function onProgress(progress: Progress): void {
  const what = progress.file.startsWith('ort/') ? 'runtime' : 'model';
  ui.loadProgress.max = progress.totalBytes;
  ui.loadProgress.value = progress.loadedBytes;
  ui.loadStatus.textContent = progress.fromCache
    ? `Reading the ${what} from this browser's cache…`
    : `Downloading the ${what}: ${mb(progress.loadedBytes)} of ${mb(progress.totalBytes)}…`;
}

async function load(): Promise<void> {
  document.body.dataset.state = 'loading';
  ui.loadError.hidden = true;
  ui.loadProgress.hidden = false;
  ui.loadStatus.textContent = 'Loading the model…';
  try {
    extractor = await createBrowserExtractor({ baseUrl: location.origin, backend, onProgress });
  } catch (error) {
    document.body.dataset.state = 'error';
    ui.loadProgress.hidden = true;
    ui.loadStatus.textContent = '';
    show(ui.loadErrorText, `The model could not be loaded. ${describe(error)}`);
    ui.loadError.hidden = false;
    return;
  }
  const { manifest } = extractor;
  ui.modelName.textContent = `${manifest.id}@${manifest.version} (${manifest.dims}-d, ${manifest.quantization})`;
  ui.backend.textContent = backendName(extractor.backend);
  ui.backend.dataset.backend = extractor.backend;
  ui.backend.title = extractor.fallbackReason ?? extractor.adapter ?? '';
  ui.loadTime.textContent = ms(extractor.loadMs);
  ui.loadProgress.hidden = true;
  ui.loadStatus.textContent = [
    extractor.fromCache ? 'Model read from this browser’s cache.' : 'Model downloaded and cached for the next visit.',
    extractor.fallbackReason && `WASM because ${extractor.fallbackReason}.`,
  ]
    .filter(Boolean)
    .join(' ');
  document.body.dataset.state = 'ready';
  document.body.dataset.backend = extractor.backend;
  setBusy(false);
}

/** A small WebP (or JPEG) of the photo for the neighbour grid; undefined when the browser cannot draw it. */
async function makeThumbnail(file: Blob): Promise<Blob | undefined> {
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const encode = (type: string) => new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, type, 0.8));
    const webp = await encode('image/webp');
    return webp?.type === 'image/webp' ? webp : ((await encode('image/jpeg')) ?? undefined);
  } catch {
    return undefined;
  }
}

function suggestedId(fileName: string): string {
  const stem = fileName
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9._~:-]+/g, '-')
    .replace(/^[.-]+/, '');
  return (stem || 'photo').slice(0, 64);
}

function setPreview(img: HTMLImageElement, file: Blob): void {
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(file);
  img.hidden = false;
}

function renderNeighbours(result: SearchResult, query: string): void {
  ui.similar.replaceChildren();
  if (result.results.length === 0) {
    ui.similarNote.textContent = `No stored photos to compare ${query} with yet: store a few.`;
    return;
  }
  ui.similarNote.textContent = `Nearest to ${query} by ${result.metric} (${result.model.id}@${result.model.version}), best first:`;
  for (const match of result.results) {
    const item = document.createElement('li');
    item.dataset.id = match.id;
    const img = document.createElement('img');
    img.className = 'thumb';
    img.alt = match.id;
    img.loading = 'lazy';
    img.src = client.thumbnailUrl(match.id);
    img.addEventListener('error', () => {
      const placeholder = document.createElement('div');
      placeholder.className = 'thumb placeholder';
      placeholder.textContent = match.id.slice(0, 2).toUpperCase();
      img.replaceWith(placeholder);
    });
    const id = document.createElement('span');
    id.className = 'id';
    id.textContent = match.id;
    id.title = match.id;
    const score = document.createElement('span');
    score.className = 'score';
    score.textContent = `${result.metric} ${match.score.toFixed(3)}`;
    item.append(img, id, score);
    ui.similar.append(item);
  }
}

async function showNeighbours(find: () => Promise<SearchResult>, query: string): Promise<void> {
  ui.similarError.hidden = true;
  try {
    renderNeighbours(await find(), query);
  } catch (error) {
    ui.similar.replaceChildren();
    ui.similarNote.textContent = '';
    show(ui.similarError, `Could not search the stored photos. ${describe(error)}`);
  }
}

/**
 * What the stored photos say about this one: its predicted label (k-NN over items with a `label`), its
 * cluster in the newest clustering, and the near-duplicates among its neighbours. Each part is left out when
 * the namespace has nothing to say (no labels, no clustering); none of it stops the page.
 */
async function showInsights(vector: Float32Array, model: BrowserExtractor['model'], neighbours: SearchResult | undefined): Promise<void> {
  const parts: string[] = [];
  const probe = { vector, model };
  // Only when some neighbours carry a label (else the vote would be a refusal, logged by the browser).
  const labelled = (neighbours?.results ?? []).filter((match) => ['string', 'number', 'boolean'].includes(typeof match.metadata.label));
  if (labelled.length) {
    try {
      const vote = await client.classify(probe, { k: Math.min(5, labelled.length) });
      const top = vote.labels[0]!;
      parts.push(`Predicted label: ${vote.label} (${Math.round(top.probability * 100)}% of ${vote.k} neighbours' vote)`);
    } catch {
      // Labels changed under us: nothing to predict.
    }
  }
  try {
    const clusterings = await client.clusterings();
    const newest = clusterings.toSorted((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (newest) {
      const assigned = await client.assignCluster(newest.id, probe);
      parts.push(`cluster ${assigned.cluster} of ${newest.k} in “${newest.id}”`);
    }
  } catch {
    // No clustering store (Vectorize-only deployments): leave it out.
  }
  const threshold = DUPLICATE_THRESHOLDS[model.id] ?? DEFAULT_DUPLICATE_THRESHOLD;
  const duplicates = (neighbours?.results ?? []).filter((match) => neighbours?.metric === 'cosine' && match.score >= threshold);
  if (duplicates.length) parts.push(`looks like a duplicate of ${duplicates.map((d) => `${d.id} (${d.score.toFixed(3)})`).join(', ')}`);
  show(ui.insights, parts.join(' · ') || undefined);
}

async function embedFile(file: File): Promise<void> {
  if (!extractor) return;
  const ready = extractor;
  setBusy(true);
  show(ui.embedError, undefined);
  ui.storeResult.textContent = '';
  try {
    const started = performance.now();
    const vector = await ready.embed(file);
    const took = performance.now() - started;
    current = { file, vector, thumbnail: makeThumbnail(file) };
    setPreview(ui.preview, file);
    ui.current.hidden = false;
    ui.embedResult.textContent = `Embedded on ${backendName(ready.backend)} in ${ms(took)} · ${vector.length}-d vector`;
    ui.embedResult.dataset.ms = String(Math.round(took));
    ui.itemId.value = suggestedId(file.name);
    document.body.dataset.embedded = file.name;
    let neighbours: SearchResult | undefined;
    await showNeighbours(
      async () => (neighbours = await client.search({ vector, model: ready.model }, { k: NEIGHBOURS })),
      `“${file.name}”`,
    );
    await showInsights(vector, ready.model, neighbours);
  } catch (error) {
    current = undefined;
    ui.current.hidden = true;
    show(ui.embedError, describe(error, file.name));
  } finally {
    setBusy(false);
  }
}

async function storeCurrent(): Promise<void> {
  if (!extractor || !current) return;
  const id = ui.itemId.value.trim();
  if (!ID_PATTERN.test(id)) {
    ui.storeResult.textContent = 'Use 1–64 letters, digits or . _ ~ : - (not starting with a dot).';
    return;
  }
  const { vector, file, thumbnail } = current;
  setBusy(true);
  ui.storeResult.textContent = `Storing “${id}”…`;
  try {
    await client.putItem(
      id,
      { vector, model: extractor.model },
      { metadata: { name: file.name.slice(0, 200), backend: extractor.backend } },
    );
    const preview = await thumbnail;
    let note = '';
    if (preview) {
      try {
        await client.putThumbnail(id, preview);
      } catch (error) {
        note =
          error instanceof EdgeFeaturesError && error.status === 503
            ? ' (this deployment keeps no thumbnails)'
            : ` (thumbnail not saved: ${describe(error)})`;
      }
    }
    ui.storeResult.textContent = `Stored “${id}”${note}.`;
    document.body.dataset.stored = id;
    await showNeighbours(() => client.similar(id, { k: NEIGHBOURS }), `“${id}”`);
  } catch (error) {
    ui.storeResult.textContent = `Not stored. ${describe(error)}`;
  } finally {
    setBusy(false);
  }
}

async function compareFile(side: 'a' | 'b', file: File): Promise<void> {
  if (!extractor) return;
  setBusy(true);
  show(ui.compareError, undefined);
  try {
    const started = performance.now();
    compared[side] = await extractor.embed(file);
    setPreview(side === 'a' ? ui.previewA : ui.previewB, file);
    const { a, b } = compared;
    ui.compareResult.textContent =
      a && b
        ? `cosine similarity ${cosine(a, b).toFixed(4)} · euclidean distance ${euclidean(a, b).toFixed(2)} (${backendName(extractor.backend)}, ${ms(performance.now() - started)})`
        : `Photo ${side.toUpperCase()} embedded; now pick photo ${side === 'a' ? 'B' : 'A'}.`;
  } catch (error) {
    delete compared[side];
    (side === 'a' ? ui.previewA : ui.previewB).hidden = true;
    show(ui.compareError, describe(error, file.name));
  } finally {
    setBusy(false);
  }
}

function firstFile(list: FileList | null | undefined): File | undefined {
  return list && list.length > 0 ? (list[0] ?? undefined) : undefined;
}

function wireDrop(zone: HTMLElement, input: HTMLInputElement, handle: (file: File) => void): void {
  input.addEventListener('change', () => {
    const file = firstFile(input.files);
    input.value = '';
    if (file) handle(file);
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const file = firstFile(event.dataTransfer?.files);
    if (file && !input.disabled) handle(file);
  });
}

wireDrop(ui.drop, ui.file, (file) => void embedFile(file));
wireDrop($('drop-a'), ui.compareA, (file) => void compareFile('a', file));
wireDrop($('drop-b'), ui.compareB, (file) => void compareFile('b', file));
ui.storeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void storeCurrent();
});
ui.retry.addEventListener('click', () => void load());
ui.apiKey.value = sessionStorage.getItem(API_KEY_STORAGE) ?? '';
ui.apiKey.addEventListener('input', () => {
  const apiKey = ui.apiKey.value.trim();
  if (apiKey) sessionStorage.setItem(API_KEY_STORAGE, apiKey);
  else sessionStorage.removeItem(API_KEY_STORAGE);
  client = clientFor(apiKey);
});
setBusy(true);
void load();
