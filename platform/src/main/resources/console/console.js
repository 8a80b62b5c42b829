// Tandem's web console: plain modules, no build step, served from the controller's jar.
// Data comes from the controller's API with the token as a bearer header; the token lives in sessionStorage
// (this tab only). Everything shown is set with textContent, never parsed as HTML.

const TOKEN_KEY = 'tandem-token';
// Polls are the floor; an event that moves instances refreshes at once. Measured with tandem bench router-hop
// --console-tabs: 20 tabs polling both lists every second cost the router 5 to 7 % of its req/s on 2 cores.
const STATUS_EVERY_MS = 2000;
const FUNCTIONS_EVERY = 5; // status polls per functions poll: functions change far less often
const TRAFFIC_EVERY_MS = 5000;
const EVENTS_KEPT = 100;
// Events after which the instances on the page are stale at once, without waiting for the next poll.
const MOVES = new Set(['promoted', 'node-dead', 'node-joined', 'instance-exited', 'instance-replaced', 'instance-ready',
  'fenced', 'unresponsive', 'specialized', 'reaped']);

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
let timers = [];
let eventsAbort = null;
let functions = [];
let refreshing = false;
let refreshAgain = false;
let polls = 0;
let functionsStale = true; // read the functions on the next refresh

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const resp = await fetch(path, {
    ...options,
    headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  if (resp.status === 401) throw new Unauthorized('the token was refused');
  if (!resp.ok) {
    let detail = `${resp.status}`;
    try {
      const e = await resp.json();
      detail = `${e.error}${e.detail ? `: ${e.detail}` : ''}`;
    } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return resp;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

// ---- sign in and out -------------------------------------------------------------------------------------

async function signIn(candidate) {
  token = candidate;
  try {
    await api('/v1/status');
  } catch (e) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(e instanceof Unauthorized ? 'Wrong token: it does not match the server\'s.' : `Cannot reach the API: ${e.message}`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('login').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  start();
}

function signOut(message = '') {
  stop();
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  // Nothing of the cluster stays on the page.
  for (const id of ['function-rows', 'nodes', 'events', 'warnings', 'chart', 'invoke-function', 'traffic-function']) $(id).replaceChildren();
  $('summary').textContent = '';
  $('invoke-result').hidden = true;
  showLogin(message);
}

function showLogin(message) {
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').value = '';
  $('token').focus();
}

function failed(e) {
  if (e instanceof Unauthorized) signOut('The server no longer accepts this token: sign in again.');
  else $('summary').textContent = `API unreachable: ${e.message}`;
  $('live').classList.remove('on');
}

// ---- live updates ----------------------------------------------------------------------------------------

function start() {
  refresh();
  refreshTraffic();
  followEvents();
  functionsStale = true;
  timers.push(setInterval(() => { if (!document.hidden) refresh(); }, STATUS_EVERY_MS));
  timers.push(setInterval(() => { if (!document.hidden) refreshTraffic(); }, TRAFFIC_EVERY_MS));
}

function stop() {
  timers.forEach(clearInterval);
  timers = [];
  if (eventsAbort) eventsAbort.abort();
  eventsAbort = null;
}

// One refresh at a time; a request for another while one runs makes exactly one more.
async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    const readFunctions = functionsStale || polls++ % FUNCTIONS_EVERY === 0;
    functionsStale = false;
    const [fnResp, statusResp] = await Promise.all([readFunctions ? api('/v1/functions') : null, api('/v1/status')]);
    const status = await statusResp.json();
    if (fnResp) functions = (await fnResp.json()).items;
    if (!token) return;
    render(functions, status);
    $('live').classList.add('on');
  } catch (e) {
    failed(e);
  } finally {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      refresh();
    }
  }
}

function render(fns, status) {
  const alive = status.nodes.filter((n) => n.state === 'alive').length;
  $('summary').textContent = `${fns.length} function${fns.length === 1 ? '' : 's'} · ${alive} of ${status.nodes.length} nodes alive · ${status.instances.length} instances`;
  const byFunction = Map.groupBy(status.instances, (i) => i.function ?? '');

  $('no-functions').hidden = fns.length > 0;
  $('function-rows').replaceChildren(...fns.map((f) => {
    const spec = f.spec;
    const ft = spec.faultTolerance || {};
    const instances = (byFunction.get(f.metadata.name) || []).toSorted((a, b) => roleOrder(a.role) - roleOrder(b.role));
    return el('tr', { 'data-function': f.metadata.name },
      el('td', {}, el('strong', { text: f.metadata.name })),
      el('td', { text: ft.strategy || 'retry', 'data-strategy': ft.strategy || 'retry' }),
      el('td', { text: spec.executor || 'poolmgr' }),
      el('td', { text: spec.environment }),
      el('td', { class: 'mono', text: spec.code ? spec.code.sha256.slice(0, 12) : '-', title: spec.code ? `${spec.code.filename}, ${spec.code.size} bytes` : '' }),
      el('td', {}, ...instances.map(badge)));
  }));

  $('nodes').replaceChildren(...status.nodes.map((n) => {
    const here = status.instances.filter((i) => i.node === n.name).toSorted((a, b) => roleOrder(a.role) - roleOrder(b.role));
    return el('div', { class: `node ${n.state}`, 'data-node': n.name },
      el('h3', {}, el('span', { text: n.name }), el('span', { class: 'hint', text: n.state })),
      here.length === 0 ? el('p', { class: 'hint', text: 'no instances' }) : el('ul', {}, ...here.map((i) => el('li', {},
        badge(i), el('span', { class: 'mono', text: i.function ?? '(pool)' }),
        el('span', { class: 'hint', text: `${i.state}${i.epoch ? ` · epoch ${i.epoch}` : ''} · pid ${i.pid || '-'}` })))));
  }));
  $('warnings').replaceChildren(...(status.warnings || []).map((w) => el('li', { text: w })));

  syncOptions($('invoke-function'), fns.map((f) => f.metadata.name));
  if (syncOptions($('traffic-function'), fns.map((f) => f.metadata.name)) && traffic) drawChart();
}

function badge(i) {
  return el('span', {
    class: `badge ${i.role}`, text: `${i.role} ${i.id}`, title: `${i.function ?? 'pool'} on ${i.node}, ${i.state}`,
    'data-role': i.role, 'data-instance': i.id, 'data-node': i.node,
  });
}

function roleOrder(role) {
  return { active: 0, standby: 1, replica: 2, pool: 3 }[role] ?? 4;
}

// Whether the options changed.
function syncOptions(select, names) {
  const have = [...select.options].map((o) => o.value);
  if (have.join('\n') === names.join('\n')) return false;
  const chosen = select.value;
  select.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
  if (names.includes(chosen)) select.value = chosen;
  return true;
}

// The events: the newest last ones, then each as it is stored (NDJSON; empty lines keep the stream open).
async function followEvents() {
  eventsAbort = new AbortController();
  const signal = eventsAbort.signal;
  while (!signal.aborted) {
    try {
      const resp = await api('/v1/events?follow=true&limit=30', { signal });
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        const lines = buffered.split('\n');
        buffered = lines.pop();
        let moved = false;
        for (const line of lines) {
          if (!line.trim()) continue;
          const event = JSON.parse(line);
          showEvent(event);
          moved ||= MOVES.has(event.type);
        }
        if (moved) {
          functionsStale = true;
          refresh();
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof Unauthorized) {
        failed(e);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 2000)); // the controller restarted or the stream broke: again
  }
}

function showEvent(e) {
  const list = $('events');
  const where = [e.function, e.instance, e.node && `on ${e.node}`].filter(Boolean).join(' ');
  list.prepend(el('li', { class: e.type, 'data-type': e.type, 'data-seq': e.seq },
    el('span', { class: 'mono hint', text: new Date(e.at).toLocaleTimeString() }),
    el('strong', { text: e.type }),
    el('span', { text: `${where}${e.detail ? ` — ${e.detail}` : ''}` })));
  while (list.children.length > EVENTS_KEPT) list.lastChild.remove();
}

// ---- traffic chart ---------------------------------------------------------------------------------------

let traffic = null;

async function refreshTraffic() {
  try {
    traffic = await (await api('/v1/traffic')).json();
    drawChart();
  } catch (e) {
    failed(e);
  }
}

function drawChart() {
  const svg = $('chart');
  const name = $('traffic-function').value;
  const points = (traffic && traffic.functions && traffic.functions[name]) || [];
  const W = 600, H = 220, L = 44, R = 10, T = 10, B = 24;
  const now = Date.now();
  const span = 6 * 60 * 1000;
  const max = Math.max(1, ...points.map((p) => p.calls));
  const x = (at) => L + ((at - (now - span)) / span) * (W - L - R);
  const y = (v) => H - B - (v / max) * (H - T - B);
  const ns = 'http://www.w3.org/2000/svg';
  const shape = (tag, attrs, text) => {
    const s = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
    if (text != null) s.textContent = text;
    return s;
  };
  const line = (key) => shape('polyline', { class: key, points: points.filter((p) => p.at >= now - span).map((p) => `${x(p.at).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ') });
  const parts = [
    shape('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }),
    shape('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
    shape('text', { x: L - 6, y: T + 8, 'text-anchor': 'end' }, fmt(max)),
    shape('text', { x: L - 6, y: H - B, 'text-anchor': 'end' }, '0'),
    shape('text', { x: L, y: H - 6 }, '6 min ago'),
    shape('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, 'now'),
    line('calls'), line('errors'),
  ];
  svg.replaceChildren(...parts);
  const last = points[points.length - 1];
  $('traffic-note').textContent = !name ? '' : last
    ? `last ${traffic.stepMillis / 1000} s: ${fmt(last.calls)} calls/s, ${fmt(last.errors)} errors/s`
    : 'no calls counted yet (or the router runs with --no-metrics)';
}

function fmt(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '') || '0';
}

// ---- invoke ----------------------------------------------------------------------------------------------

async function invoke(event) {
  event.preventDefault();
  const name = $('invoke-function').value;
  if (!name) return;
  const button = event.submitter;
  button.disabled = true;
  try {
    const resp = await api(`/v1/functions/${encodeURIComponent(name)}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: $('invoke-method').value, path: $('invoke-path').value, body: $('invoke-body').value }),
    });
    const out = await resp.json();
    $('invoke-status').textContent = `${out.status}`;
    $('invoke-status').className = out.status >= 400 ? 'error' : '';
    $('invoke-millis').textContent = out.millis.toFixed(1);
    const instance = out.headers['x-tandem-instance'] || out.headers['X-Tandem-Instance'];
    $('invoke-instance').textContent = instance ? `answered by ${instance}` : '';
    $('invoke-output').textContent = out.body + (out.truncated ? '\n…(cut)' : '');
  } catch (e) {
    if (e instanceof Unauthorized) return failed(e);
    $('invoke-status').textContent = 'failed';
    $('invoke-status').className = 'error';
    $('invoke-millis').textContent = '-';
    $('invoke-instance').textContent = '';
    $('invoke-output').textContent = e.message;
  } finally {
    button.disabled = false;
    $('invoke-result').hidden = false;
  }
}

// ---- wiring ----------------------------------------------------------------------------------------------

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  signIn($('token').value.trim());
});
$('sign-out').addEventListener('click', () => signOut(''));
$('invoke-form').addEventListener('submit', invoke);
$('traffic-function').addEventListener('change', drawChart);
document.addEventListener('visibilitychange', () => { if (!document.hidden && token) refresh(); });

if (token) signIn(token);
else showLogin('');
