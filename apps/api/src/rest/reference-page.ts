/**
 * A browsable reference of the OpenAPI document, rendered on the server into one self-contained
 * HTML page (no scripts, no external assets: it works on machines without internet access).
 */

interface Response {
  description: string;
  headers?: Record<string, { $ref: string }>;
  content?: { 'application/json': { schema: unknown } };
}

interface Operation {
  summary: string;
  description: string;
  operationId: string;
  'x-trpc-procedure': string;
  tags: string[];
  security: Record<string, unknown>[];
  parameters?: { name: string; in: string; required: boolean; description?: string; schema: unknown }[];
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: Record<string, Response | { $ref: string }>;
}

interface Document {
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, Response>;
    headers: Record<string, { description: string }>;
  };
}

/** The component a `#/components/<kind>/<name>` reference names. */
function resolve<T>(document: Document, value: T | { $ref: string }): T {
  if (typeof value !== 'object' || value === null || !('$ref' in value)) return value as T;
  const [, , kind, name] = value.$ref.split('/');
  return (document.components as unknown as Record<string, Record<string, T>>)[kind as string]?.[name as string] as T;
}

/** Schemas in the page show their references resolved, so a reader needs no second lookup. */
function inline(document: Document, schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inline(document, item));
  if (typeof schema !== 'object' || schema === null) return schema;
  if ('$ref' in schema) return inline(document, resolve(document, schema as { $ref: string }));
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, inline(document, value)]));
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

const code = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

const schemaBlock = (schema: unknown) => `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`;

function operationHtml(document: Document, path: string, method: string, op: Operation): string {
  const anchor = op.operationId.replace(/[^a-z0-9]+/gi, '-');
  const parameters = op.parameters?.length
    ? `<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th></tr>${op.parameters
        .map(
          (p) =>
            `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(p.schema))}</code>${p.description ? `<br>${escapeHtml(p.description)}` : ''}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const body = op.requestBody
    ? `<h4>Request body <small>application/json</small></h4>${schemaBlock(op.requestBody.content['application/json'].schema)}`
    : '';
  const responses = Object.entries(op.responses)
    .map(([status, reference]) => {
      const response = resolve(document, reference);
      const headers = Object.keys(response.headers ?? {});
      return `<details${status.startsWith('2') ? ' open' : ''}><summary><span class="status s${status[0]}">${status}</span> ${code(response.description)}</summary>${
        headers.length
          ? `<p><small>Headers: ${headers.map((name) => `<code>${escapeHtml(name)}</code>`).join(', ')}</small></p>`
          : ''
      }${response.content ? schemaBlock(inline(document, response.content['application/json'].schema)) : ''}</details>`;
    })
    .join('');
  const auth = op.security.some((requirement) => Object.keys(requirement).length === 0)
    ? 'Optional Bearer token'
    : 'Bearer token required';
  return `<section id="${anchor}">
  <h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
  <p class="summary">${escapeHtml(op.summary)} <small>· ${auth} · operation <code>${escapeHtml(op.operationId)}</code> · tRPC <code>${escapeHtml(op['x-trpc-procedure'])}</code></small></p>
  <p>${code(op.description)}</p>
  ${parameters}${body}<h4>Responses</h4>${responses}
</section>`;
}

export function referencePage(document: Document): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const toc = operations
    .map(
      ({ path, method, op }) =>
        `<li><a href="#${op.operationId.replace(/[^a-z0-9]+/gi, '-')}"><span class="method ${method}">${method.toUpperCase()}</span> ${escapeHtml(path)}</a></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 24px 32px; }
  header a { color: #9cc3ff; }
  main { display: grid; grid-template-columns: 280px 1fr; gap: 24px; padding: 24px 32px; }
  nav ul { list-style: none; padding: 0; position: sticky; top: 16px; }
  nav li { margin: 6px 0; }
  nav a { color: inherit; text-decoration: none; font-family: ui-monospace, monospace; font-size: 13px; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; }
  h3 { margin: 0 0 4px; }
  .method { display: inline-block; min-width: 44px; text-align: center; border-radius: 4px; color: #fff; font-size: 12px; padding: 1px 6px; font-family: ui-monospace, monospace; }
  .get { background: #2f7d32; } .post { background: #1565c0; } .put { background: #b26a00; }
  .status { font-family: ui-monospace, monospace; font-weight: 600; }
  .s2 { color: #2f7d32; } .s4 { color: #b3261e; }
  pre { background: #f1f3f6; padding: 12px; border-radius: 6px; overflow: auto; font-size: 12.5px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td, th { border-bottom: 1px solid #e6e9ee; padding: 6px; text-align: left; vertical-align: top; }
  code { font-family: ui-monospace, monospace; font-size: 13px; }
  .summary { font-weight: 600; }
  small { color: #5b6475; font-weight: normal; }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(document.info.title)} <small style="color:#9aa4b5">v${escapeHtml(document.info.version)}</small></h1>
  <p>${code(document.info.description)}</p>
  <p>Machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). The api guide —
  authentication, the typed client, metering, every error reason, events, CORS, versioning —
  is <a href="/api/guide">/api/guide</a> (docs/api.md).</p>
</header>
<main>
  <nav><ul>${toc}</ul></nav>
  <div>
    ${operations.map(({ path, method, op }) => operationHtml(document, path, method, op)).join('\n')}
    <section><h3>Response headers</h3><table>${Object.entries(document.components.headers)
      .map(
        ([name, { description }]) => `<tr><td><code>${escapeHtml(name)}</code></td><td>${code(description)}</td></tr>`,
      )
      .join('')}</table></section>
    <section><h3>Errors</h3><p>Every error answers with the HTTP status of its code and this shape; <code>details.reason</code> says why.</p>${Object.entries(
      document.components.responses,
    )
      .map(
        ([name, response]) =>
          `<details><summary>${escapeHtml(name)}: ${code(response.description)}</summary>${schemaBlock(inline(document, response.content?.['application/json'].schema))}</details>`,
      )
      .join('')}</section>
  </div>
</main>
</body>
</html>`;
}
