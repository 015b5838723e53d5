/**
 * @module Every default limit and setting in one place: the Worker's configuration schema, the HTTP layer,
 * the browser library and docs/configuration.md all read these. It imports nothing, so the browser bundle
 * takes it as it is.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** Which model serves (`MODEL_ID`): `auto` = the real VGG16 when it has been built, else MobileNetV2. */
export const DEFAULT_MODEL_ID = 'auto';

/**
 * Largest request body, in bytes (`MAX_BODY_BYTES`); base64 JSON counts as sent. 24 MiB takes a 12 MP
 * photographic PNG (~21 MB) or a 48 MP JPEG; the body is held while its image is decoded, so it counts in the
 * isolate's 128 MB (`npm run bench:images`: a 21 MB PNG's embed is estimated at 80 MiB with int8 VGG16).
 */
export const DEFAULT_MAX_BODY_BYTES = 24 * MiB;
/**
 * Largest image, in pixels, read from its header before decoding (`MAX_PIXELS`; the browser library's
 * default too): 8192 x 6144 = 50.3 MP, above any phone camera. Formats that stream (row by row into the
 * resize) hold memory that grows with the width, not the pixel count; formats decoded whole are refused
 * above a lower limit of their own that keeps one decode and int8 VGG16 inside an isolate's 128 MB
 * (src/core/image/limits.ts). The inference gate decodes one at a time.
 */
export const DEFAULT_MAX_PIXELS = 8192 * 6144;
/** Most images in one batch request (`MAX_BATCH`). */
export const DEFAULT_MAX_BATCH = 8;

/**
 * Largest NDJSON import body (`IMPORT_MAX_BYTES`). Apart from MAX_BODY_BYTES because an import is read as a
 * stream, a line at a time, and never held whole: its size costs request time, not isolate memory. 96 MiB stays
 * under the 100 MB request body Cloudflare accepts on every plan.
 */
export const DEFAULT_IMPORT_MAX_BYTES = 96 * MiB;
/**
 * Most items one import request writes (`IMPORT_MAX_ITEMS`): each is one KV put (four at 1792-d), and a Worker
 * invocation may make 1000 KV operations, so 200 items fit at every width. Larger files are sent in several
 * requests (the CLI does); line IMPORT_MAX_ITEMS + 1 is refused with 413 naming how many were written.
 */
export const DEFAULT_IMPORT_MAX_ITEMS = 200;

/** Largest image whose vector the embedding cache keeps (`EMBED_CACHE_MAX_BYTES`; 0 turns the cache off). */
export const DEFAULT_EMBED_CACHE_MAX_BYTES = 8 * MiB;

/** Embeds (decode + preprocess + model) running at once per isolate (`INFERENCE_CONCURRENCY`). */
export const DEFAULT_INFERENCE_CONCURRENCY = 1;
/** Embeds waiting for a slot before one more is refused with 503 (`INFERENCE_QUEUE`). */
export const DEFAULT_INFERENCE_QUEUE = 32;
/** Compressed image bytes the waiting embeds may hold together before one more is refused with 503. */
export const DEFAULT_INFERENCE_QUEUED_BYTES = 32 * MiB;
/** What a client refused by the inference gate is told to wait (`Retry-After`, seconds). */
export const INFERENCE_RETRY_AFTER_SECONDS = 2;

/** The window of the [[ratelimits]] in wrangler.toml: what a 429 tells the client to wait at most. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/** `READ_AUTH`: `open` = reads need no key. */
export const DEFAULT_READ_AUTH = 'open';
/** `CORS_ORIGINS`: blank = no cross-origin access. */
export const DEFAULT_CORS_ORIGINS = '';
/** `VECTOR_STORE`: items in Workers KV. */
export const DEFAULT_VECTOR_STORE = 'kv';
/** `VECTORIZE_METRIC`: the metric a Vectorize index was created with. */
export const DEFAULT_VECTORIZE_METRIC = 'cosine';

/** Most items of one job (`JOB_MAX_ITEMS`): its Durable Object holds a row per item. */
export const DEFAULT_JOB_MAX_ITEMS = 100_000;
/** `KEEP_ORIGINALS`: keep each embedded image in ORIGINALS by sha256, so a model change can re-index. */
export const DEFAULT_KEEP_ORIGINALS = 'true';
/** How often an isolate reads the served-model switch record (src/services/jobs/model-switch.ts), in ms. */
export const MODEL_SWITCH_CHECK_MS = 5000;
/** `ORIGINALS_EVENTS`: the upload route sends each upload's object-create event itself (no bucket rule needed). */
export const DEFAULT_ORIGINALS_EVENTS = 'worker';
/** Time a job's image URL has to answer in full, redirects included (`FETCH_TIMEOUT_MS`). */
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;
/** Redirects a job's image URL may take (`FETCH_MAX_REDIRECTS`). */
export const DEFAULT_FETCH_MAX_REDIRECTS = 3;
/** Seconds before a failed queue message is retried the first time; doubling each attempt (`JOB_RETRY_DELAY_SECONDS`). */
export const DEFAULT_JOB_RETRY_DELAY_SECONDS = 5;
/**
 * Seconds a job may go without progress before its Durable Object sends its still-queued items again
 * (`JOB_STALL_SECONDS`): 30 min, far past the queue's whole retry chain (~155 s with the defaults, then the DLQ).
 */
export const DEFAULT_JOB_STALL_SECONDS = 1800;

/** Largest thumbnail upload, in bytes. */
export const MAX_THUMBNAIL_BYTES = 64 * KiB;
/** Largest thumbnail width and height, in pixels. */
export const MAX_THUMBNAIL_SIDE = 512;

/** Neighbours a search returns when it names no `k` (fewer when the store returns fewer). */
export const DEFAULT_SEARCH_K = 10;
/** Largest `k` of the KV and in-memory stores. */
export const MAX_SEARCH_K_KV = 100;
/** Largest `k` of a Vectorize index (its platform limit with metadata); one less when searching by item. */
export const MAX_SEARCH_K_VECTORIZE = 20;

/**
 * Most items of a namespace that classifier training, clustering, duplicate grouping and best-score recommend
 * load in one request (`ANALYTICS_MAX_ITEMS`): they hold every item's int8 code (dims bytes each, 5 MB at
 * 10k x 512-d) in the isolate's 128 MB. At 10k x 512-d every op fits Workers' default 30 s CPU (worst: near-duplicate
 * grouping, 16.4 s; `npm run bench:analytics`, docs/performance.md). Larger namespaces get 413 `namespace-too-large`.
 */
export const DEFAULT_ANALYTICS_MAX_ITEMS = 10_000;
/**
 * The width ANALYTICS_MAX_ITEMS is sized for. Near-duplicate grouping compares all pairs (CPU ~ n² x dims), so
 * wider vectors get fewer items: ANALYTICS_MAX_ITEMS x sqrt(512 / dims) (5,345 at 1792-d).
 */
export const ANALYTICS_REFERENCE_DIMS = 512;
/** Neighbours a k-NN classification votes with when the request names no `k`. */
export const DEFAULT_CLASSIFY_K = 5;
/** The metadata field that holds an item's label when a request names none. */
export const DEFAULT_LABEL_FIELD = 'label';
/** Folds of the cross-validation a classifier is trained with (fewer when the smallest class is smaller). */
export const DEFAULT_CLASSIFIER_FOLDS = 5;
/** Restarts of k-means (the best inertia wins). */
export const DEFAULT_KMEANS_RESTARTS = 4;
/** Largest k (and chooseK range end) of a clustering. */
export const MAX_CLUSTERS = 100;
/** Items nearest its centroid a stored clustering keeps per cluster. */
export const CLUSTER_NEAREST = 5;
/** Largest answer of `POST /v1/duplicates/check` (the nearest first). */
export const MAX_DUPLICATE_MATCHES = 100;
/**
 * The cosine similarity at or above which two items are near-duplicates, per model id: the best group F1
 * with group precision >= 0.99 on generated near-duplicates of real photos (`npm run eval`, docs/quality.md).
 */
export const DUPLICATE_THRESHOLDS: Readonly<Record<string, number>> = { 'mobilenet-v2-1.4-nsfwjs': 0.86 };
/** The near-duplicate threshold of a model without a measured one (imagededup evaluates its CNN method at 0.9). */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.9;
