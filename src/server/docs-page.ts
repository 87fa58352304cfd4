// The API reference at /docs: one self-contained HTML page (no CDN, works offline) that reads /openapi.json
// and renders every operation — parameters, body and response schemas, required role — with a small
// "try it" form. Its inline script and style are allowed by hash in a strict Content-Security-Policy.
import { createHash } from 'node:crypto';

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d232a;display:flex}
nav{width:260px;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f6f8;border-right:1px solid #dde;padding:12px;box-sizing:border-box}
nav a{display:block;color:#1d232a;text-decoration:none;font-size:13px;padding:2px 0}nav h3{margin:14px 0 4px;font-size:12px;text-transform:uppercase;color:#667}
main{flex:1;padding:16px 32px;max-width:1000px}section{border:1px solid #dde;border-radius:6px;margin:14px 0;padding:10px 14px}
.m{display:inline-block;min-width:58px;text-align:center;border-radius:4px;color:#fff;font:bold 12px monospace;padding:2px 6px;margin-right:8px}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#8e5b00}.delete{background:#b71c1c}
code,pre,textarea,input{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f5f6f8;padding:8px;overflow:auto;border-radius:4px}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top}
.role{font-size:12px;color:#555;border:1px solid #ccd;border-radius:10px;padding:0 8px;margin-left:8px}
details summary{cursor:pointer}textarea{width:100%;height:110px}input{width:100%;box-sizing:border-box}.muted{color:#667}
`;

const SCRIPT = `
const $ = (tag, attrs = {}, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k))); return e; };
let spec;
const deref = (s) => { let seen = 0; while (s && s.$ref && seen++ < 20) s = spec.components.schemas[s.$ref.split('/').pop()]; return s || {}; };
const typeOf = (s) => { s = deref(s); if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map(typeOf).join(' | ');
  if (s.type === 'array') return typeOf(s.items) + '[]'; if (s.const !== undefined) return JSON.stringify(s.const);
  return [].concat(s.type || 'object').join(' | ') + (s.format ? ' (' + s.format + ')' : ''); };
function fields(schema, depth = 0) {
  const s = deref(schema); const props = s.properties || {}; const req = new Set(s.required || []);
  const t = $('table'); if (!Object.keys(props).length) return $('code', {}, typeOf(s));
  for (const [name, p] of Object.entries(props)) {
    const d = deref(p); const nested = depth < 3 && (d.properties || (d.items && deref(d.items).properties));
    const lim = ['minimum', 'maximum', 'minLength', 'maxLength', 'maxItems', 'pattern', 'default'].filter((k) => d[k] !== undefined).map((k) => k + ': ' + d[k]).join(', ');
    t.append($('tr', {}, $('td', {}, $('code', {}, name + (req.has(name) ? '' : '?'))), $('td', {}, typeOf(p)),
      $('td', {}, d.description || '', lim ? $('div', { class: 'muted' }, lim) : '', nested ? fields(d.properties ? d : d.items, depth + 1) : '')));
  }
  return t;
}
function example(schema, depth = 0) { const s = deref(schema); if (depth > 4) return null; if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default; if (s.enum) return s.enum[0]; if (s.anyOf) return example(s.anyOf[0], depth + 1);
  if (s.type === 'array') return []; if (s.type === 'string') return ''; if (s.type === 'number' || s.type === 'integer') return 0;
  if (s.type === 'boolean') return false; const o = {}; for (const k of s.required || []) o[k] = example(s.properties[k], depth + 1); return o; }
function tryIt(method, path, op) {
  const params = (op.parameters || []).map((p) => ({ p, input: $('input', { placeholder: p.name + ' (' + p.in + ')' }) }));
  const json = op.requestBody && op.requestBody.content['application/json'];
  const body = json ? $('textarea', {}, JSON.stringify(example(json.schema), null, 2)) : null; const out = $('pre', {}, '');
  const go = $('button', {}, 'Send');
  go.onclick = async () => { let url = path; const q = new URLSearchParams();
    for (const { p, input } of params) { if (!input.value) continue; if (p.in === 'path') url = url.replace('{' + p.name + '}', encodeURIComponent(input.value)); else q.set(p.name, input.value); }
    const headers = {}; const token = document.getElementById('token').value.trim(); if (token) headers.authorization = 'Bearer ' + token;
    if (body) headers['content-type'] = 'application/json';
    try { const r = await fetch(url + (q.size ? '?' + q : ''), { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
      const text = await r.text(); let shown = text; try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
      out.textContent = r.status + ' ' + r.statusText + '  (x-request-id: ' + r.headers.get('x-request-id') + ')\\n' + shown; } catch (e) { out.textContent = String(e); } };
  return $('details', {}, $('summary', {}, 'Try it'), ...params.map((x) => x.input), body || '', go, out);
}
function render() {
  const nav = document.querySelector('nav'); const main = document.querySelector('main');
  main.append($('h1', {}, spec.info.title + ' ' + spec.info.version), $('p', {}, spec.info.description || ''),
    $('p', {}, 'Credential for "Try it": ', $('input', { id: 'token', type: 'password', placeholder: 'API key or token (kept in this page only)' })));
  const byTag = {};
  for (const [path, ops] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(ops)) (byTag[(op.tags || ['other'])[0]] ??= []).push([method, path, op]);
  for (const [tag, list] of Object.entries(byTag)) { nav.append($('h3', {}, tag));
    for (const [method, path, op] of list) { const id = method + path.replace(/[^a-z0-9]+/gi, '-');
      nav.append($('a', { href: '#' + id }, method.toUpperCase() + ' ' + path));
      const sec = $('section', { id }, $('div', {}, $('span', { class: 'm ' + method }, method.toUpperCase()), $('code', {}, path),
        op['x-required-role'] ? $('span', { class: 'role' }, 'role: ' + op['x-required-role']) : ''), $('p', {}, op.summary || ''));
      if (op.description) sec.append($('p', { class: 'muted' }, op.description));
      if ((op.parameters || []).length) { const t = $('table'); for (const p of op.parameters) t.append($('tr', {}, $('td', {}, $('code', {}, p.name)), $('td', {}, p.in), $('td', {}, typeOf(p.schema)), $('td', {}, p.required ? 'required' : ''))); sec.append($('h4', {}, 'Parameters'), t); }
      if (op.requestBody) for (const [type, c] of Object.entries(op.requestBody.content)) sec.append($('h4', {}, 'Body (' + type + ')'), fields(c.schema));
      const res = $('details', {}, $('summary', {}, 'Responses'));
      for (const [status, r] of Object.entries(op.responses || {})) { res.append($('p', {}, $('b', {}, status + ' '), r.description || ''));
        const c = r.content && Object.values(r.content)[0]; if (c && c.schema && status < 400) res.append(fields(c.schema)); }
      sec.append(res, tryIt(method, path, op)); main.append(sec); } }
}
fetch('/openapi.json').then((r) => r.json()).then((s) => { spec = s; render(); }, (e) => { document.querySelector('main').textContent = 'Cannot load /openapi.json: ' + e; });
`;

const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata API reference</title><style>${STYLE}</style></head>
<body><nav></nav><main></main><script>${SCRIPT}</script></body></html>`;

/** Only this page's own script and style may run; it may call the API of the same origin and nothing else. */
export const DOCS_CSP = `default-src 'none'; script-src ${hash(SCRIPT)}; style-src ${hash(STYLE)}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
