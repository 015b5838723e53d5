/*
 * A streaming JPEG decoder for JavaScript over libjpeg-turbo 2.1.5 (the library PIL 9.4 decodes with on
 * Debian 12), built to wasm32 by build.sh.
 *
 * Each decoder reads its input through the imported `read_input` (JS copies the next chunk of the file into
 * the decoder's buffer), so the file itself never has to fit in wasm memory. Errors call the imported
 * `error_exit`, which throws in JS and never returns (the JS side then drops the whole instance); warnings
 * go to `warning`.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define JPEG_INTERNALS /* for cinfo->upsample->need_context_rows */
#include "jpeglib.h"
#include "jerror.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* Copies up to `len` bytes of source `id`'s input to `buf`; returns the count, 0 at the end of the data. */
IMPORT("read_input") int js_read_input(int id, JOCTET *buf, int len);
/* Skips `count` bytes of source `id`'s input; returns how many could be skipped. */
IMPORT("skip_input") long js_skip_input(int id, long count);
/* Throws (never returns): libjpeg cannot go on after an error. */
IMPORT("error_exit") __attribute__((noreturn)) void js_error_exit(int id, const char *message);
/* Reports a warning (e.g. "Premature end of JPEG file"). */
IMPORT("warning") void js_warning(int id, const char *message);

#define INPUT_BUFFER_BYTES 65536

typedef struct {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  struct jpeg_source_mgr src;
  int id;
  JOCTET eoi[2];
  JOCTET input[INPUT_BUFFER_BYTES];
} decoder;

/* What `jd_open` learnt from the header, read by JS as 32-bit integers. */
typedef struct {
  /* Bytes the whole-image coefficient buffer would take (multiscan images), 0 for single-scan images. */
  double coefficient_bytes;
  int width, height, components, color_space, progressive, multiscan, arithmetic, adobe, adobe_transform;
  int max_h, max_v;
  int h[4], v[4];
} header_info;

static decoder *of(j_common_ptr cinfo) { return (decoder *)cinfo; }

static void error_exit(j_common_ptr cinfo) {
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  js_error_exit(of(cinfo)->id, message);
}

static void emit_message(j_common_ptr cinfo, int msg_level) {
  /* Only warnings (level -1); trace messages are not wanted. */
  if (msg_level < 0) {
    char message[JMSG_LENGTH_MAX];
    cinfo->err->num_warnings++;
    (*cinfo->err->format_message)(cinfo, message);
    js_warning(of(cinfo)->id, message);
  }
}

static void output_message(j_common_ptr cinfo) { (void)cinfo; }

static void init_source(j_decompress_ptr cinfo) { (void)cinfo; }

/* As jdatasrc.c's memory source: at the end of the data, warn and insert a fake EOI marker. */
static boolean fill_input_buffer(j_decompress_ptr cinfo) {
  decoder *d = (decoder *)cinfo;
  int n = js_read_input(d->id, d->input, INPUT_BUFFER_BYTES);
  if (n <= 0) {
    WARNMS(cinfo, JWRN_JPEG_EOF);
    d->eoi[0] = (JOCTET)0xFF;
    d->eoi[1] = (JOCTET)JPEG_EOI;
    d->src.next_input_byte = d->eoi;
    d->src.bytes_in_buffer = 2;
    return TRUE;
  }
  d->src.next_input_byte = d->input;
  d->src.bytes_in_buffer = (size_t)n;
  return TRUE;
}

static void skip_input_data(j_decompress_ptr cinfo, long num_bytes) {
  decoder *d = (decoder *)cinfo;
  if (num_bytes <= 0) return;
  if ((size_t)num_bytes <= d->src.bytes_in_buffer) {
    d->src.next_input_byte += num_bytes;
    d->src.bytes_in_buffer -= (size_t)num_bytes;
    return;
  }
  num_bytes -= (long)d->src.bytes_in_buffer;
  d->src.bytes_in_buffer = 0;
  if (js_skip_input(d->id, num_bytes) < num_bytes) fill_input_buffer(cinfo); /* ran out: fake EOI + warning */
}

static void term_source(j_decompress_ptr cinfo) { (void)cinfo; }

/* Creates a decoder for JS source `id`, with libjpeg's memory capped at `max_memory` bytes. */
EXPORT("jd_create") decoder *jd_create(int id, long max_memory) {
  decoder *d = calloc(1, sizeof(decoder));
  if (!d) return NULL;
  d->id = id;
  d->cinfo.err = jpeg_std_error(&d->jerr);
  d->jerr.error_exit = error_exit;
  d->jerr.emit_message = emit_message;
  d->jerr.output_message = output_message;
  jpeg_create_decompress(&d->cinfo);
  d->cinfo.mem->max_memory_to_use = max_memory;
  d->src.init_source = init_source;
  d->src.fill_input_buffer = fill_input_buffer;
  d->src.skip_input_data = skip_input_data;
  d->src.resync_to_restart = jpeg_resync_to_restart;
  d->src.term_source = term_source;
  d->cinfo.src = &d->src;
  return d;
}

/* Reads the header up to the first scan; fills `info`. */
EXPORT("jd_read_header") void jd_read_header(decoder *d, header_info *info) {
  j_decompress_ptr cinfo = &d->cinfo;
  jpeg_read_header(cinfo, TRUE);
  memset(info, 0, sizeof(*info));
  info->width = (int)cinfo->image_width;
  info->height = (int)cinfo->image_height;
  info->components = cinfo->num_components;
  info->color_space = (int)cinfo->jpeg_color_space;
  info->progressive = cinfo->progressive_mode;
  info->multiscan = jpeg_has_multiple_scans(cinfo);
  info->arithmetic = cinfo->arith_code;
  info->adobe = cinfo->saw_Adobe_marker;
  info->adobe_transform = cinfo->Adobe_transform;
  info->max_h = cinfo->max_h_samp_factor;
  info->max_v = cinfo->max_v_samp_factor;
  for (int c = 0; c < cinfo->num_components && c < 4; c++) {
    info->h[c] = cinfo->comp_info[c].h_samp_factor;
    info->v[c] = cinfo->comp_info[c].v_samp_factor;
  }
  if (info->multiscan) {
    /* As jdcoefct.c's jinit_d_coef_controller: one JBLOCK per block, rows padded to a whole iMCU row. */
    double total = 0;
    for (int c = 0; c < cinfo->num_components; c++) {
      jpeg_component_info *comp = &cinfo->comp_info[c];
      double rows = (double)comp->height_in_blocks;
      double pad = (double)comp->v_samp_factor;
      rows = pad * (double)((long)((rows + pad - 1) / pad));
      double cols = (double)comp->h_samp_factor;
      cols = cols * (double)((long)(((double)comp->width_in_blocks + cols - 1) / cols));
      total += rows * cols * (double)sizeof(JBLOCK);
    }
    info->coefficient_bytes = total;
  }
}

/*
 * Starts decompressing to `out_space` (JCS_RGB, JCS_GRAYSCALE or JCS_CMYK) with libjpeg's defaults (the
 * ones PIL keeps: islow IDCT, fancy upsampling); allocates one output row. Returns the row's address.
 */
EXPORT("jd_start") JSAMPLE *jd_start(decoder *d, int out_space) {
  j_decompress_ptr cinfo = &d->cinfo;
  cinfo->out_color_space = (J_COLOR_SPACE)out_space;
  jpeg_start_decompress(cinfo);
  return (*cinfo->mem->alloc_small)((j_common_ptr)cinfo, JPOOL_IMAGE,
                                    (size_t)cinfo->output_width * (size_t)cinfo->output_components);
}

/* Decodes the next row into `row` (from jd_start); returns 1, or 0 when no row is left. */
EXPORT("jd_read_row") int jd_read_row(decoder *d, JSAMPLE *row) {
  JSAMPROW rows[1] = { row };
  return (int)jpeg_read_scanlines(&d->cinfo, rows, 1);
}

/*
 * Skips `count` rows with jpeg_skip_scanlines, around two of its limits in 2.1.5 (found by
 * test/core/image/jpeg-rows.test.ts):
 * - Without context rows (e.g. 4:1:0, h4v2), a skip that starts inside a row group (output_scanline not a
 *   multiple of max_v_samp_factor) and ends in the same iMCU row jumps whole row groups from the wrong place
 *   and returns wrong rows. The rest of the group is read and discarded first.
 * - A skip that reaches the bottom marks the input as ended without reading it, so jpeg_finish_decompress
 *   could not see a file cut short in its last rows. The last row is read (into `row`) instead.
 * Returns the rows skipped.
 */
EXPORT("jd_skip_rows") int jd_skip_rows(decoder *d, JSAMPLE *row, int count) {
  j_decompress_ptr cinfo = &d->cinfo;
  JSAMPROW rows[1] = { row };
  int done = 0;
  if (count <= 0) return 0;
  int last = cinfo->output_scanline + (JDIMENSION)count >= cinfo->output_height;
  if (last) count--; /* the last row is read below */
  if (!cinfo->upsample->need_context_rows && cinfo->max_v_samp_factor > 1) {
    while (done < count && cinfo->output_scanline % (JDIMENSION)cinfo->max_v_samp_factor != 0) {
      if (jpeg_read_scanlines(cinfo, rows, 1) != 1) return done;
      done++;
    }
  }
  if (count > done) done += (int)jpeg_skip_scanlines(cinfo, (JDIMENSION)(count - done));
  if (last) done += (int)jpeg_read_scanlines(cinfo, rows, 1);
  return done;
}

/* Reads the rest of the data (to EOI). */
EXPORT("jd_finish") void jd_finish(decoder *d) { jpeg_finish_decompress(&d->cinfo); }

EXPORT("jd_destroy") void jd_destroy(decoder *d) {
  if (!d) return;
  jpeg_destroy_decompress(&d->cinfo);
  free(d);
}

EXPORT("jd_header_info_alloc") header_info *jd_header_info_alloc(void) { return calloc(1, sizeof(header_info)); }
