/**
 * Reading a page's query string without a schema library in the first bundle: each page names
 * the parameters it reads, anything else is dropped.
 */
export function optionalString(search: Record<string, unknown>, key: string): string | undefined {
  const value = search[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function optionalFlag(search: Record<string, unknown>, key: string): true | undefined {
  const value = search[key];
  return value === true || value === 'true' ? true : undefined;
}
