/**
 * @module libjpeg's output rows -> 8-bit RGB, as PIL 9.4's `convert('RGB')` makes it from the mode PIL opens
 * the JPEG in: L (gray: R = G = B) or CMYK (four components).
 *
 * PIL reads every 4-component JPEG with the raw mode "CMYK;I" (JpegImagePlugin: "assume adobe conventions",
 * whether or not an Adobe marker is present), which inverts each sample, then Convert.c's `cmyk2rgb`:
 * R = 255 - K' - MULDIV255(C', 255 - K') with C' = 255 - C, K' = 255 - K, i.e. R = K - MULDIV255(255 - C, K).
 */

/** PIL's MULDIV255: a * b / 255, rounded, in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/** Gray row (1 byte a pixel) -> RGB. */
export function grayToRgb(gray: Uint8Array, out: Uint8Array, width: number): void {
  for (let x = 0, o = 0; x < width; x++, o += 3) {
    const v = gray[x]!;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  }
}

/** libjpeg CMYK row (as stored, i.e. Adobe-inverted for Adobe files) -> RGB, as PIL's "CMYK;I" + cmyk2rgb. */
export function cmykToRgb(cmyk: Uint8Array, out: Uint8Array, width: number): void {
  for (let x = 0, s = 0, o = 0; x < width; x++, s += 4, o += 3) {
    const k = cmyk[s + 3]!;
    // nk - MULDIV255(c', nk) is never negative (MULDIV255(c', nk) <= nk), so PIL's CLIP8 changes nothing.
    out[o] = k - mulDiv255(255 - cmyk[s]!, k);
    out[o + 1] = k - mulDiv255(255 - cmyk[s + 1]!, k);
    out[o + 2] = k - mulDiv255(255 - cmyk[s + 2]!, k);
  }
}
