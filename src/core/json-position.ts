// Where a value sits in a JSON text, so a message about `[2].color` can name the line of the file.

export interface JsonPosition {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (as editors count). */
  column: number;
}

/**
 * The position of the value at `target` (keys and array indexes, as zod reports them) in a valid JSON
 * text; when it is missing (a required key), the position of the closest value that holds it.
 */
export function locateJsonValue(text: string, target: readonly PropertyKey[]): JsonPosition | undefined {
  let i = 0;
  let best = { depth: -1, offset: 0 };
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const skipString = () => {
    for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    i++;
  };
  const onTarget = (path: PropertyKey[]) =>
    path.length <= target.length && path.every((p, k) => String(p) === String(target[k]));
  const value = (path: PropertyKey[]): void => {
    skipSpace();
    if (onTarget(path) && path.length > best.depth) best = { depth: path.length, offset: i };
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      for (let index = 0; i < text.length; index++) {
        skipSpace();
        let key: PropertyKey = index;
        if (c === '{') {
          const start = i;
          skipString();
          key = JSON.parse(text.slice(start, i)) as string;
          skipSpace();
          i++; // the colon
        }
        value([...path, key]);
        skipSpace();
        if (text[i++] !== ',') return;
      }
      return;
    }
    if (c === '"') skipString();
    else while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  try {
    value([]);
  } catch {
    return undefined; // Not valid JSON after all: no position rather than a wrong one.
  }
  if (best.depth < 0) return undefined;
  return positionOf(text, best.offset);
}

/** Line and column of a character offset. */
export function positionOf(text: string, offset: number): JsonPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
