/** @module The body forms routes declare: each media type with its contract schema. */
import type * as z from 'zod';
import { RawImage } from '../../contract/common.ts';

export const JSON_TYPE = 'application/json';
export const MULTIPART = 'multipart/form-data';

/** A raw image body: any image/* type or octet-stream (the format is sniffed from the bytes). */
export const rawImageContent = {
  'image/*': { schema: RawImage },
  'application/octet-stream': { schema: RawImage },
} as const;

export const jsonContent = <T extends z.ZodType>(schema: T) => ({ [JSON_TYPE]: { schema } }) as { 'application/json': { schema: T } };
export const formContent = <T extends z.ZodType>(schema: T) => ({ [MULTIPART]: { schema } }) as { 'multipart/form-data': { schema: T } };
