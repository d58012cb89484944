// The API Explorer: lists the operations of /metadata/app.json, shows one (routes, fields,
// docs) and sends it to /api/{Name} with the caller's API key. Everything shown is set as
// text (textContent, text nodes, attribute values): never parsed as HTML.
'use strict';

const KEY_STORAGE = 'affiliation-api.api-key';
const state = { operations: [], types: new Map(), selected: null };

/** An element with attributes (`on*` as listeners) and children (strings become text). */
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) element.append(child);
  }
  return element;
}

function operationName(op) {
  return op.request.name;
}

function uiPath(name) {
  return '/ui/' + encodeURIComponent(name);
}

/** The request's members, its bases' after its own, as the metadata pages list them. */
function requestProperties(type) {
  const properties = [];
  const seen = new Set();
  for (let current = type; current && !seen.has(current.name); ) {
    seen.add(current.name);
    properties.push(...(current.properties || []));
    current = current.inherits ? state.types.get(current.inherits.name) : null;
  }
  return properties;
}

function wireName(property) {
  const name = property.dataMember && property.dataMember.name;
  return name || property.name.charAt(0).toLowerCase() + property.name.slice(1);
}

function kindOf(type) {
  if (type === 'bool') return 'bool';
  if (/^(u?int|u?long|short|byte|double|float|decimal)$/.test(type)) return 'number';
  if (/^(string|Guid|DateTime)$/.test(type)) return 'text';
  return 'json';
}

function matches(op, text) {
  if (!text) return true;
  const haystack = [
    operationName(op),
    ...(op.routes || []).flatMap((r) => [r.path, r.verbs, r.summary, r.notes]),
    op.request.description,
  ].join('\n').toLowerCase();
  return text.toLowerCase().split(/\s+/).every((word) => haystack.includes(word));
}

function renderList() {
  const container = document.getElementById('operations');
  const text = document.getElementById('search').value.trim();
  const groups = new Map();
  for (const op of state.operations) {
    if (!matches(op, text)) continue;
    const group = (op.tags && op.tags[0]) || 'other';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(op);
  }
  const sections = [...groups.keys()].sort().map((group) =>
    el('section', { 'data-group': group },
      el('h2', {}, group),
      el('ul', {}, groups.get(group).map((op) => {
        const name = operationName(op);
        return el('li', {},
          el('a', {
            href: uiPath(name),
            'data-op': name,
            class: state.selected === name ? 'selected' : null,
            onclick: (event) => { event.preventDefault(); select(name, true); },
          }, name));
      }))));
  container.replaceChildren(...(sections.length ? sections : [el('p', { class: 'note' }, 'No operation matches.')]));
}

function fieldInput(property) {
  const id = 'field-' + wireName(property);
  const kind = kindOf(property.type);
  if (kind === 'bool') {
    return el('select', { id, name: wireName(property), 'data-kind': kind },
      el('option', { value: '' }, '(not sent)'), el('option', { value: 'true' }, 'true'),
      el('option', { value: 'false' }, 'false'));
  }
  if (kind === 'json') {
    return el('textarea', { id, name: wireName(property), 'data-kind': kind, placeholder: 'JSON, e.g. ' + example(property.type) });
  }
  return el('input', { id, name: wireName(property), 'data-kind': kind, type: kind === 'number' ? 'number' : 'text' });
}

function example(type) {
  if (/^(I?Dictionary|Map)/.test(type)) return '{"name": "value"}';
  if (/^List</.test(type) || /\[\]$/.test(type)) return '[...]';
  return '{...}';
}

function renderOperation(op) {
  const main = document.getElementById('operation');
  if (!op) {
    main.replaceChildren(el('p', { class: 'note' }, state.selected ? 'No operation is named ' + state.selected + '.' : 'Pick an operation on the left.'));
    return;
  }
  const name = operationName(op);
  const properties = requestProperties(op.request);
  const routes = (op.routes || []).map((route) =>
    el('li', {}, el('span', { class: 'verb' }, route.verbs || 'ANY'), el('code', {}, route.path),
      route.summary ? el('p', { class: 'summary' }, route.summary) : null,
      route.notes ? el('p', { class: 'notes' }, route.notes) : null));
  const fields = el('table', { id: 'fields' },
    el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Parameter'), el('th', {}, 'Type'), el('th', {}, 'Required'), el('th', {}, 'Description')),
    properties.map((p) => el('tr', {}, el('td', {}, p.name), el('td', {}, p.paramType || 'body'), el('td', {}, p.type),
      el('td', {}, p.isRequired ? 'Yes' : 'No'), el('td', {}, p.description || ''))));
  const form = el('form', { id: 'request', onsubmit: (event) => { event.preventDefault(); send(op, form); } },
    properties.map((p) => el('div', { class: 'field' }, el('label', { for: 'field-' + wireName(p) }, p.name), fieldInput(p))),
    el('button', { type: 'submit', id: 'send' }, 'Send'));
  main.replaceChildren(
    el('h2', {}, name),
    op.requiresAuth ? el('p', { class: 'auth' }, 'Requires Authentication') : null,
    op.request.description ? el('p', { class: 'description' }, op.request.description) : null,
    el('h3', {}, 'Routes'), el('ul', { id: 'routes' }, routes),
    el('h3', {}, 'Fields'), fields,
    el('h3', {}, 'Try it'), form,
    el('p', { id: 'status', role: 'status' }),
    el('pre', { id: 'response' }));
}

/** The request body from the form: empty fields are left out. */
function readForm(form) {
  const body = {};
  for (const input of form.querySelectorAll('[data-kind]')) {
    const raw = input.value.trim();
    if (raw === '') continue;
    switch (input.dataset.kind) {
      case 'bool': body[input.name] = raw === 'true'; break;
      case 'number': body[input.name] = Number(raw); break;
      case 'json':
        try { body[input.name] = JSON.parse(raw); }
        catch { throw new Error(input.name + ' is not valid JSON'); }
        break;
      default: body[input.name] = raw;
    }
  }
  return body;
}

async function send(op, form) {
  const status = document.getElementById('status');
  const output = document.getElementById('response');
  let body;
  try { body = readForm(form); }
  catch (error) {
    status.className = 'failed';
    status.textContent = error.message;
    return;
  }
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  const key = document.getElementById('api-key').value.trim();
  if (key) headers.Authorization = 'Bearer ' + key;
  status.className = '';
  status.textContent = 'Sending\u2026';
  output.textContent = '';
  try {
    const response = await fetch('/api/' + encodeURIComponent(operationName(op)), {
      method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit',
    });
    const text = await response.text();
    status.className = response.ok ? 'ok' : 'failed';
    status.textContent = response.status + ' ' + (response.statusText || '');
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as it came */ }
    output.textContent = shown || '(empty body)';
  } catch (error) {
    status.className = 'failed';
    status.textContent = 'The request failed: ' + error.message;
  }
}

function select(name, push) {
  const op = state.operations.find((o) => operationName(o).toLowerCase() === String(name).toLowerCase());
  state.selected = op ? operationName(op) : name;
  if (push) history.pushState({ op: state.selected }, '', uiPath(state.selected));
  document.title = (op ? state.selected + ' | ' : '') + 'API Explorer';
  renderList();
  renderOperation(op);
}

function selectedFromPath() {
  const match = location.pathname.match(/^\/ui\/([^/]+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function start() {
  const keyInput = document.getElementById('api-key');
  keyInput.value = sessionStorage.getItem(KEY_STORAGE) || '';
  keyInput.addEventListener('input', () => {
    if (keyInput.value) sessionStorage.setItem(KEY_STORAGE, keyInput.value);
    else sessionStorage.removeItem(KEY_STORAGE);
  });
  document.getElementById('search').addEventListener('input', renderList);
  window.addEventListener('popstate', () => select(selectedFromPath(), false));
  try {
    const response = await fetch('/metadata/app.json', { credentials: 'omit' });
    if (!response.ok) throw new Error('status ' + response.status);
    const app = await response.json();
    document.getElementById('service').textContent = app.app.serviceName;
    state.operations = app.api.operations;
    for (const type of [...app.api.types, ...app.api.operations.flatMap((o) => [o.request, o.response])]) {
      if (!state.types.has(type.name)) state.types.set(type.name, type);
    }
  } catch (error) {
    document.getElementById('operations').replaceChildren(el('p', { class: 'failed' }, 'The operations could not be read: ' + error.message));
    return;
  }
  const name = selectedFromPath();
  if (name) select(name, false);
  else renderList();
}

document.addEventListener('DOMContentLoaded', start);
