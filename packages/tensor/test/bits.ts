/** Whether x and y hold the same float32 bit patterns (NaN payloads and signed zeros included). */
export function sameBits(x: Float32Array, y: Float32Array): boolean {
  const xBits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const yBits = new Uint32Array(y.buffer, y.byteOffset, y.length);
  return xBits.length === yBits.length && xBits.every((v, i) => v === yBits[i]);
}
