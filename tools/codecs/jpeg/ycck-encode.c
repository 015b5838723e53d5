/*
 * Writes a YCCK JPEG (Adobe marker, transform 2) from raw CMYK: what Photoshop saves for CMYK photos and what
 * neither cjpeg nor PIL can write. Used by make-fixtures.py only; built against the system libjpeg-turbo.
 * Usage: ycck-encode WIDTH HEIGHT QUALITY < cmyk.raw > out.jpg
 * The samples are written as given: make-fixtures.py hands over Adobe-convention (inverted) CMYK, as
 * Photoshop stores it and as PIL's "CMYK;I" reads it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  int width = atoi(argv[1]), height = atoi(argv[2]), quality = atoi(argv[3]);
  unsigned char *row = malloc((size_t)width * 4);
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, stdout);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_colorspace(&cinfo, JCS_YCCK);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    if (fread(row, 4, (size_t)width, stdin) != (size_t)width) return 1;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return 0;
}
