// The parameters a macro script reads, found in its code: `params.get("name")`, `params["name"]`,
// `context["params"].get("name")` and the like. The editor completes them inside `[[name ...]]`; a name
// computed at run time cannot be found this way and simply is not offered.
const READ = /params["']?\]?\s*(?:\.get\(\s*|\[\s*)["']([A-Za-z_][\w-]*)["']/g;

export function paramsReadBy(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(READ)) found.add(m[1]!);
  return [...found].sort();
}
