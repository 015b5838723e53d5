/** @module Labels: the value of a metadata field (dotted for one level of nesting) as a class name. */
import type { Metadata } from '../../store/types.ts';

/** The label an item carries in `field`: a string, number or boolean as text; undefined otherwise. */
export function labelOf(metadata: Metadata, field: string): string | undefined {
  const [head, tail] = field.split('.', 2) as [string, string | undefined];
  let value: unknown = metadata[head];
  if (tail !== undefined)
    value = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Metadata)[tail] : undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Per class, how many items carry it, sorted by label. */
export function classCounts(labels: readonly string[]): Array<{ label: string; count: number }> {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([label, count]) => ({ label, count }));
}
