/**
 * `n ↦ a.subarray(0, n)`, each length made once: the searches hand the model and DecoderState.select the first
 * n entries of a preallocated buffer step after step without allocating a view per step.
 */
export function prefixViews(a: Int32Array): (n: number) => Int32Array {
  const cache: Int32Array[] = [];
  return (n) => (n === a.length ? a : (cache[n] ??= a.subarray(0, n)));
}
