const warned = new Set<string>();

/**
 * console.warn(message), once per `topic` for the life of the program: a slower path is announced
 * when it is taken, not at every call.
 */
export function warnOnce(topic: string, message: string): void {
  if (warned.has(topic)) return;
  warned.add(topic);
  console.warn(message);
}
