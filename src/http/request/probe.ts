/** @module The probe of an analytics route (an image in any form, a vector with its model, or a stored item's id) from its request. */
import type { Context } from 'hono';
import type * as z from 'zod';
import { decodeBase64 } from '../../core/util/base64.ts';
import type { Probe } from '../../services/analytics/index.ts';
import type { ClientModel } from '../../services/vectors.ts';
import { bodyForm, fileBytes, rawBytes } from './body.ts';

/** The fields a probe's JSON body parses to (one of image, vector + model, id). */
export interface ProbeFields {
  readonly image?: string | undefined;
  readonly vector?: readonly number[] | undefined;
  readonly model?: ClientModel | undefined;
  readonly id?: string | undefined;
}

export function jsonProbe(body: ProbeFields): Probe {
  if (body.image !== undefined) return { image: decodeBase64(body.image) };
  if (body.vector !== undefined && body.model !== undefined) return { vector: body.vector, model: body.model };
  return { id: body.id! };
}

/**
 * The probe and the body's options: a raw body is the image (no options), a multipart body has the image in
 * the field "image" beside text options, a JSON body one of the three sources beside options. The route
 * declared `form` and `json` for those forms, so the bodies were validated.
 */
export async function readProbe<F extends z.ZodType<{ image: File }>, J extends z.ZodType<ProbeFields>>(
  c: Context,
  _form: F,
  _json: J,
): Promise<{ probe: Probe; options: Partial<Omit<z.output<F>, 'image'>> | Partial<Omit<z.output<J>, keyof ProbeFields>> }> {
  switch (bodyForm(c)) {
    case 'raw':
      return { probe: { image: await rawBytes(c) }, options: {} };
    case 'form': {
      const { image, ...options } = c.req.valid('form' as never) as z.output<F>;
      return { probe: { image: (await fileBytes(image))[0]! }, options };
    }
    case 'json': {
      const body = c.req.valid('json' as never) as z.output<J>;
      const { image: _image, vector: _vector, model: _model, id: _id, ...options } = body;
      return { probe: jsonProbe(body), options };
    }
  }
}
