/** Round r visits the items starting at r: nobody is always first (cold) or last (hot machine). */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
