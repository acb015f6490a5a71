/**
 * A copy of the module whose imported memory is declared private instead of shared (the shared
 * flag, 0x02, cleared in its limits): a module that imports a shared memory cannot link to any
 * other kind. Walks the import section of the binary format.
 */
export function withPrivateMemory(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let pos = 8; // past the magic number and version
  const skip = (count: number): void => {
    pos += count;
  };
  /** Reads an unsigned LEB128 number. */
  const u32 = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = out[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < out.length) {
    const id = out[pos++]!;
    const size = u32();
    const end = pos + size;
    if (id === 2) {
      for (let count = u32(); count > 0; count--) {
        skip(u32()); // module name
        skip(u32()); // field name
        const kind = out[pos++]!;
        if (kind === 0x00) {
          u32(); // function: type index
        } else if (kind === 0x03) {
          skip(2); // global: value type, mutability
        } else if (kind === 0x04) {
          skip(1); // tag: attribute, type index
          u32();
        } else {
          if (kind === 0x01) skip(1); // table: element type, then limits like a memory's
          const flags = out[pos]!; // limits: flags, minimum, maximum if flags & 1
          if (kind === 0x02) out[pos] = flags & ~0x02;
          skip(1);
          u32();
          if (flags & 0x01) u32();
        }
      }
    }
    pos = end;
  }
  return out;
}
