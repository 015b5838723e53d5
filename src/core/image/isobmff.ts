/**
 * @module The HEIF container (ISO-BMFF, ISO/IEC 23008-12) of AVIF and HEIC files, read from the header alone:
 * the `ftyp` brands, and for the primary item its type, stored size (`ispe`), transformations (`irot`, `imir`)
 * and, for a grid, the grid's output size and its tiles' sizes — so the pixel limit is checked before any
 * decoder runs. Every read is bounds-checked and every loop is bounded by the bytes it walks.
 *
 * Not image-size: its 2.1 reports the largest `ispe` in the file (a grid's 122x82 tile, not the 121x81 image),
 * ignores irot/imir and refuses `avis` sequences (measured on test/fixtures/heif).
 */

import { ImageError, type ExifOrientation } from './types.ts';

/** Brands that name an AVIF file (still image, image sequence). */
export const AVIF_BRANDS: ReadonlySet<string> = new Set(['avif', 'avis']);
/** Brands that name a HEVC-coded HEIF file (HEIC). */
export const HEIC_BRANDS: ReadonlySet<string> = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
/** Generic HEIF brands: the coding is then found from the primary item's type. */
const HEIF_GENERIC_BRANDS: ReadonlySet<string> = new Set(['mif1', 'msf1', 'mif2']);

/** More boxes than this in one container is not a photo. */
const MAX_BOXES = 4096;
/** More grid tiles than this is not a photo (an iPhone's 48 MP grid has 192 tiles of 512x512). */
export const MAX_GRID_TILES = 1024;

export type HeifFormat = 'avif' | 'heic';

export interface HeifHeader {
  readonly format: HeifFormat;
  /** Stored size of the primary item (`ispe`), before `irot`/`imir`. */
  readonly width: number;
  readonly height: number;
  /** `irot` then `imir` (in the order the item lists them) as the equivalent EXIF orientation value. */
  readonly orientation: ExifOrientation;
  /** The primary item's type: `av01`, `hvc1`, `grid`, … */
  readonly itemType: string;
  /** Pixels the decoder will allocate for the primary image: its size, or for a grid the sum of its tiles. */
  readonly decodePixels: number;
}

interface Box {
  readonly type: string;
  /** Offset of the box's payload (after size, type and any 64-bit size). */
  readonly start: number;
  /** Offset just past the box. */
  readonly end: number;
}

function malformed(message: string): ImageError {
  return new ImageError('malformed', `HEIF container: ${message}`);
}

function u8(b: Uint8Array, at: number, end: number): number {
  if (at + 1 > end) throw malformed('a box ends early');
  return b[at]!;
}

function u16(b: Uint8Array, at: number, end: number): number {
  if (at + 2 > end) throw malformed('a box ends early');
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number, end: number): number {
  if (at + 4 > end) throw malformed('a box ends early');
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** An unsigned big-endian integer of 0, 4 or 8 bytes (iloc's field sizes); more than 2^53 is refused. */
function uN(b: Uint8Array, at: number, size: number, end: number): number {
  if (size === 0) return 0;
  if (size === 4) return u32(b, at, end);
  if (size === 8) {
    const high = u32(b, at, end);
    if (high > 0x1fffff) throw malformed('a 64-bit offset is too large');
    return high * 2 ** 32 + u32(b, at + 4, end);
  }
  throw malformed(`field size ${size} is not 0, 4 or 8`);
}

function fourcc(b: Uint8Array, at: number, end: number): string {
  if (at + 4 > end) throw malformed('a box ends early');
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

/** The boxes between `start` and `end`; a box that claims to extend past its parent is malformed. */
function children(b: Uint8Array, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at < end) {
    if (boxes.length >= MAX_BOXES) throw malformed(`more than ${MAX_BOXES} boxes`);
    let size = u32(b, at, end);
    const type = fourcc(b, at + 4, end);
    let header = 8;
    if (size === 1) {
      size = uN(b, at + 8, 8, end);
      header = 16;
    } else if (size === 0) {
      size = end - at; // extends to the end of its parent
    }
    if (size < header || at + size > end) throw malformed(`box '${type}' claims ${size} bytes, beyond its container`);
    boxes.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

function only(boxes: readonly Box[], type: string): Box | undefined {
  return boxes.find((box) => box.type === type);
}

function required(boxes: readonly Box[], type: string, where: string): Box {
  const box = only(boxes, type);
  if (!box) throw malformed(`no '${type}' box in ${where}`);
  return box;
}

/** The major and compatible brands of a leading `ftyp` box, or undefined when the bytes do not start with one. */
export function ftypBrands(b: Uint8Array): string[] | undefined {
  if (b.length < 16 || fourcc(b, 4, b.length) !== 'ftyp') return undefined;
  const size = u32(b, 0, b.length);
  if (size < 16 || size > b.length || size > 4096 || size % 4 !== 0) return undefined;
  const brands = [fourcc(b, 8, size)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(fourcc(b, at, size));
  return brands;
}

/** 'avif' or 'heic' from the brands (major brand first, then compatible ones), 'heif' for a generic HEIF file. */
export function sniffHeifBrands(b: Uint8Array): HeifFormat | 'heif' | undefined {
  const brands = ftypBrands(b);
  if (!brands) return undefined;
  const [major] = brands;
  if (AVIF_BRANDS.has(major!)) return 'avif';
  if (HEIC_BRANDS.has(major!)) return 'heic';
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'avif';
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return 'heic';
  if (brands.some((brand) => HEIF_GENERIC_BRANDS.has(brand))) return 'heif';
  return undefined;
}

interface Item {
  readonly type: string;
  readonly props: readonly Box[];
}

/** Properties of every item: ipco's boxes, as ipma associates them (in ipma's order). */
function itemProperties(b: Uint8Array, iprp: Box): Map<number, Box[]> {
  const kids = children(b, iprp.start, iprp.end);
  const ipco = required(kids, 'ipco', 'iprp');
  const props = children(b, ipco.start, ipco.end);
  const out = new Map<number, Box[]>();
  for (const ipma of kids.filter((box) => box.type === 'ipma')) {
    const version = u8(b, ipma.start, ipma.end);
    const flags = u32(b, ipma.start, ipma.end) & 0xffffff;
    const count = u32(b, ipma.start + 4, ipma.end);
    let at = ipma.start + 8;
    for (let i = 0; i < count; i++) {
      const id = version < 1 ? u16(b, at, ipma.end) : u32(b, at, ipma.end);
      at += version < 1 ? 2 : 4;
      const n = u8(b, at, ipma.end);
      at++;
      const list = out.get(id) ?? [];
      for (let j = 0; j < n; j++) {
        let index: number;
        if (flags & 1) {
          index = u16(b, at, ipma.end) & 0x7fff;
          at += 2;
        } else {
          index = u8(b, at, ipma.end) & 0x7f;
          at++;
        }
        if (index === 0) continue; // no property
        const prop = props[index - 1];
        if (!prop) throw malformed(`ipma names property ${index} of ${props.length}`);
        list.push(prop);
      }
      out.set(id, list);
    }
  }
  return out;
}

/** Item types from iinf (infe version 2 and 3). */
function itemTypes(b: Uint8Array, iinf: Box): Map<number, string> {
  const version = u8(b, iinf.start, iinf.end);
  const first = iinf.start + 4 + (version === 0 ? 2 : 4);
  const out = new Map<number, string>();
  for (const infe of children(b, first, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const v = u8(b, infe.start, infe.end);
    if (v < 2) continue; // versions 0 and 1 carry no item type (not used for images)
    const id = v === 2 ? u16(b, infe.start + 4, infe.end) : u32(b, infe.start + 4, infe.end);
    const at = infe.start + 4 + (v === 2 ? 2 : 4) + 2;
    out.set(id, fourcc(b, at, infe.end));
  }
  return out;
}

/** `dimg` references from iref: the tiles of each grid item, in order. */
function derivedImages(b: Uint8Array, iref: Box | undefined): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (!iref) return out;
  const version = u8(b, iref.start, iref.end);
  const idSize = version === 0 ? 2 : 4;
  for (const ref of children(b, iref.start + 4, iref.end)) {
    if (ref.type !== 'dimg') continue;
    const from = idSize === 2 ? u16(b, ref.start, ref.end) : u32(b, ref.start, ref.end);
    const count = u16(b, ref.start + idSize, ref.end);
    const to: number[] = [];
    for (let i = 0, at = ref.start + idSize + 2; i < count; i++, at += idSize) {
      to.push(idSize === 2 ? u16(b, at, ref.end) : u32(b, at, ref.end));
    }
    out.set(from, to);
  }
  return out;
}

/** The bytes of one item (iloc, construction method 0 = file offsets or 1 = idat), bounded by `maxBytes`. */
function itemData(b: Uint8Array, meta: readonly Box[], id: number, maxBytes: number): Uint8Array {
  const iloc = required(meta, 'iloc', 'meta');
  const end = iloc.end;
  const version = u8(b, iloc.start, end);
  const sizes = u16(b, iloc.start + 4, end);
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15;
  const indexSize = version >= 1 ? sizes & 15 : 0;
  let at = iloc.start + 6;
  const count = version < 2 ? u16(b, at, end) : u32(b, at, end);
  at += version < 2 ? 2 : 4;
  for (let i = 0; i < count; i++) {
    const itemId = version < 2 ? u16(b, at, end) : u32(b, at, end);
    at += version < 2 ? 2 : 4;
    let method = 0;
    if (version >= 1) {
      method = u16(b, at, end) & 15;
      at += 2;
    }
    at += 2; // data_reference_index
    const base = uN(b, at, baseSize, end);
    at += baseSize;
    const extents = u16(b, at, end);
    at += 2;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let e = 0; e < extents; e++) {
      at += indexSize;
      const offset = uN(b, at, offsetSize, end);
      at += offsetSize;
      const length = uN(b, at, lengthSize, end);
      at += lengthSize;
      if (itemId !== id) continue;
      let from: number;
      let limit: number;
      if (method === 0) {
        from = base + offset;
        limit = b.length;
      } else if (method === 1) {
        const idat = required(meta, 'idat', 'meta');
        from = idat.start + base + offset;
        limit = idat.end;
      } else {
        throw malformed(`item ${id} uses construction method ${method}`);
      }
      const size = length === 0 ? limit - from : length;
      if (from + size > limit || size < 0) throw malformed(`item ${id}'s data lies outside the file`);
      total += size;
      if (total > maxBytes) throw malformed(`item ${id} is larger than ${maxBytes} bytes`);
      parts.push(b.subarray(from, from + size));
    }
    if (itemId === id) {
      const out = new Uint8Array(total);
      let o = 0;
      for (const part of parts) {
        out.set(part, o);
        o += part.length;
      }
      return out;
    }
  }
  throw malformed(`no location for item ${id}`);
}

function ispe(b: Uint8Array, props: readonly Box[] | undefined, what: string): { width: number; height: number } {
  const box = props && only(props, 'ispe');
  if (!box) throw malformed(`${what} has no 'ispe' (image size)`);
  const width = u32(b, box.start + 4, box.end);
  const height = u32(b, box.start + 8, box.end);
  if (width === 0 || height === 0) throw malformed(`${what} has an empty size`);
  return { width, height };
}

/**
 * EXIF orientation equal to `irot` (anticlockwise quarter turns) and `imir` (0: top and bottom swap, i.e. mirror
 * about a horizontal axis; 1: left and right swap), applied in the order given. Composition runs on a 2x3 probe
 * of distinct labels so the table below is derived, not hand-written.
 */
function transformsToOrientation(ops: readonly ({ rot: number } | { mirror: 0 | 1 })[]): ExifOrientation {
  // A pixel position is (x, y) in a w x h image; each op maps stored coordinates to displayed ones.
  type Pose = { w: number; h: number; map: (x: number, y: number) => [number, number] };
  let pose: Pose = { w: 3, h: 2, map: (x, y) => [x, y] };
  for (const op of ops) {
    const { w, h, map } = pose;
    if ('rot' in op) {
      for (let q = 0; q < (op.rot & 3); q++) {
        const prev = pose;
        // One anticlockwise quarter turn: (x, y) -> (y, W-1-x), new size H x W.
        pose = {
          w: prev.h,
          h: prev.w,
          map: (x, y) => {
            const [a, c] = prev.map(x, y);
            return [c, prev.w - 1 - a];
          },
        };
      }
    } else if (op.mirror === 0) {
      pose = {
        w,
        h,
        map: (x, y) => {
          const [a, c] = map(x, y);
          return [a, h - 1 - c];
        },
      };
    } else {
      pose = {
        w,
        h,
        map: (x, y) => {
          const [a, c] = map(x, y);
          return [w - 1 - a, c];
        },
      };
    }
  }
  // EXIF orientation n maps a stored (x, y) in a 3x2 image to the displayed position given here.
  const exif: Record<ExifOrientation, (x: number, y: number) => [number, number]> = {
    1: (x, y) => [x, y],
    2: (x, y) => [2 - x, y],
    3: (x, y) => [2 - x, 1 - y],
    4: (x, y) => [x, 1 - y],
    5: (x, y) => [y, x],
    6: (x, y) => [1 - y, x],
    7: (x, y) => [1 - y, 2 - x],
    8: (x, y) => [y, 2 - x],
  };
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8] as const) {
    let same = true;
    for (let y = 0; y < 2 && same; y++) {
      for (let x = 0; x < 3 && same; x++) {
        const [a, c] = pose.map(x, y);
        const [d, e] = exif[n](x, y);
        same = a === d && c === e;
      }
    }
    if (same) return n;
  }
  throw new Error('unreachable: the eight EXIF orientations are the whole dihedral group');
}

function orientationOf(b: Uint8Array, props: readonly Box[]): ExifOrientation {
  const ops: ({ rot: number } | { mirror: 0 | 1 })[] = [];
  for (const prop of props) {
    if (prop.type === 'irot') ops.push({ rot: u8(b, prop.start, prop.end) & 3 });
    else if (prop.type === 'imir') ops.push({ mirror: (u8(b, prop.start, prop.end) & 1) as 0 | 1 });
  }
  return transformsToOrientation(ops);
}

/** Output size and tile layout of a grid item (ImageGrid, ISO/IEC 23008-12 6.6.2.3). */
function gridLayout(data: Uint8Array): { rows: number; columns: number; width: number; height: number } {
  const end = data.length;
  const flags = u8(data, 1, end);
  const rows = u8(data, 2, end) + 1;
  const columns = u8(data, 3, end) + 1;
  const wide = (flags & 1) === 1;
  const width = wide ? u32(data, 4, end) : u16(data, 4, end);
  const height = wide ? u32(data, 8, end) : u16(data, 6, end);
  return { rows, columns, width, height };
}

/**
 * Reads an AVIF/HEIC header. Throws `ImageError('malformed')` for a container that cannot be walked, has no
 * primary item or image size, or a grid whose description disagrees with its tiles; `unsupported_format` when
 * the primary item is coded in something other than AV1 or HEVC.
 */
export function readHeifHeader(b: Uint8Array): HeifHeader {
  if (!sniffHeifBrands(b)) throw malformed('no ftyp box with an AVIF or HEIC brand');
  const top = children(b, 0, b.length);
  const metaBox = required(top, 'meta', 'the file');
  const meta = children(b, metaBox.start + 4, metaBox.end); // meta is a full box
  const pitm = required(meta, 'pitm', 'meta');
  const primary = u8(b, pitm.start, pitm.end) === 0 ? u16(b, pitm.start + 4, pitm.end) : u32(b, pitm.start + 4, pitm.end);
  const types = itemTypes(b, required(meta, 'iinf', 'meta'));
  const itemType = types.get(primary);
  if (!itemType) throw malformed(`primary item ${primary} is not listed in iinf`);
  const props = itemProperties(b, required(meta, 'iprp', 'meta'));
  const item: Item = { type: itemType, props: props.get(primary) ?? [] };
  const { width, height } = ispe(b, item.props, 'the primary item');
  const orientation = orientationOf(b, item.props);

  let codedType = itemType;
  let decodePixels = width * height;
  if (itemType === 'grid') {
    const grid = gridLayout(itemData(b, meta, primary, 64));
    if (grid.width !== width || grid.height !== height) {
      throw malformed(`grid says ${grid.width}x${grid.height} but its ispe says ${width}x${height}`);
    }
    const tiles = derivedImages(b, only(meta, 'iref')).get(primary) ?? [];
    if (tiles.length !== grid.rows * grid.columns || tiles.length > MAX_GRID_TILES) {
      throw malformed(`grid of ${grid.rows}x${grid.columns} has ${tiles.length} tiles`);
    }
    decodePixels = 0;
    const tileTypes = new Set<string>();
    for (const tile of tiles) {
      const size = ispe(b, props.get(tile), `grid tile ${tile}`);
      decodePixels += size.width * size.height;
      tileTypes.add(types.get(tile) ?? '?');
    }
    // Tiles must cover the output, and the last row / column may only overhang it (MIAF 7.3.11.4.2).
    const first = ispe(b, props.get(tiles[0]!), 'the first grid tile');
    if (first.width * grid.columns < width || first.width * (grid.columns - 1) >= width) {
      throw malformed(`${grid.columns} tiles ${first.width} wide do not make a ${width}-wide grid`);
    }
    if (first.height * grid.rows < height || first.height * (grid.rows - 1) >= height) {
      throw malformed(`${grid.rows} tiles ${first.height} high do not make a ${height}-high grid`);
    }
    if (tileTypes.size !== 1) throw malformed('grid tiles of mixed or unknown types');
    codedType = [...tileTypes][0]!;
  }
  let format: HeifFormat;
  if (codedType === 'av01') format = 'avif';
  else if (codedType === 'hvc1') format = 'heic';
  else throw new ImageError('unsupported_format', `HEIF image coded as '${codedType}' (only AV1 and HEVC are accepted)`);
  // The coding, not the brands, decides: some writers list both brand families.
  return { format, width, height, orientation, itemType, decodePixels };
}
