// The ClusterLB dashboard: polls this node's admin API every two seconds and renders what it answers.
// No framework and no inline script (the page's Content-Security-Policy forbids it); data is only ever
// written with textContent, never parsed as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'clusterlb-admin-token';
  const REFRESH_MS = 2000;
  const REQUEST_TIMEOUT_MS = 4000;
  const HISTORY_LIMIT = 20;

  const $ = id => document.getElementById(id);
  const expanded = new Set(); // destinations whose details row is open, kept across refreshes
  let timer = null;
  let generation = 0; // a refresh loop from before a log-out must not keep running after the next log-in
  let historyVersion = null;
  let tableVersion = null;
  let lastAnswer = null;
  let answeringNode = null;

  // --- the admin API ------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  /** The text of an admin error: problem details (detail, errors), or the older { error } / { errors }. */
  function errorText(status, body) {
    if (body && typeof body === 'object') {
      const errors = Array.isArray(body.errors) ? body.errors.map(e => e.field ? `${e.field}: ${e.message}` : e.message).filter(Boolean) : [];
      const parts = [body.detail || body.error, ...errors].filter(Boolean);
      if (parts.length) return parts.join('; ');
      if (body.title) return body.title;
    }
    if (typeof body === 'string' && body.trim()) return body.trim();
    return `HTTP ${status}`;
  }

  async function api(path, { method = 'GET', headers = {}, body, text = false } = {}) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: text ? 'text/plain' : 'application/json', ...headers },
      body,
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const type = response.headers.get('Content-Type') || '';
    const content = type.includes('json') ? await response.json().catch(() => null) : await response.text();
    if (response.status === 401) {
      logOut(`The node refused the token: ${errorText(401, content)}`);
      throw new ApiError(401, errorText(401, content));
    }
    if (!response.ok) throw new ApiError(response.status, errorText(response.status, content));
    return content;
  }

  // --- formatting ---------------------------------------------------------------------------------

  const dash = '–';
  const number = (value, digits = 1) => value === null || value === undefined ? dash : Number(value).toFixed(digits);
  const withUnit = (value, unit, digits = 1) => value === null || value === undefined ? dash : `${Number(value).toFixed(digits)} ${unit}`;
  const percent = value => value === null || value === undefined ? dash : `${(Number(value) * 100).toFixed(1)} %`;
  const time = iso => {
    const date = iso ? new Date(iso) : null;
    return !date ? dash : isNaN(date) ? String(iso) : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  };
  const clock = date => date.toISOString().substring(11, 19) + 'Z';

  function cell(content, { className, field } = {}) {
    const td = document.createElement('td');
    if (content instanceof Node) td.append(content); else td.textContent = content;
    if (className) td.className = className;
    if (field) td.dataset.field = field;
    return td;
  }

  function element(tag, text, attributes = {}) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
    return e;
  }

  function smallTable(headings, rows) {
    const table = element('table');
    const head = table.createTHead().insertRow();
    for (const h of headings) head.append(element('th', h, { scope: 'col' }));
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const value of row) tr.append(cell(value));
    }
    return table;
  }

  // --- views --------------------------------------------------------------------------------------

  const GONE = new Set(['Leaving', 'Exiting', 'Down', 'Removed']);

  function renderMembers(nodes) {
    const body = $('members').tBodies[0];
    const byName = [...nodes].sort((a, b) => String(a.node || a.address).localeCompare(String(b.node || b.address)));
    body.replaceChildren(...byName.map(n => {
      const tr = element('tr', undefined, { 'data-testid': `member-${n.node || n.address}` });
      const gone = GONE.has(n.status);
      tr.dataset.state = !n.reachable ? 'unreachable' : gone ? 'gone' : String(n.status).toLowerCase();
      if (!n.reachable) tr.className = 'member-unreachable'; else if (gone) tr.className = 'member-gone';
      const roles = element('span');
      if (n.isLeader) roles.append(element('span', 'leader', { class: 'mark', title: 'Akka cluster leader' }));
      if (n.hostsRoutingTableWriter) roles.append(element('span', 'writer', { class: 'mark', title: 'hosts the routing-table writer' }));
      const name = element('span', n.node || dash, { title: n.address || '' });
      tr.append(
        cell(name, { field: 'node' }),
        cell(n.status, { field: 'status' }),
        cell(n.reachable ? 'yes' : 'UNREACHABLE', { field: 'reachable' }),
        cell(roles, { field: 'roles' }),
        cell(number(n.requestsPerSecond), { className: 'num', field: 'rps' }),
        cell(percent(n.errorRate), { className: 'num', field: 'errors' }),
        cell(n.cpuPercent === null || n.cpuPercent === undefined ? dash : `${number(n.cpuPercent)} %`, { className: 'num', field: 'cpu' }),
        cell(withUnit(n.memoryMb, 'MB', 0), { className: 'num', field: 'memory' }),
        cell(n.tableVersion === null || n.tableVersion === undefined ? dash : `v${n.tableVersion}`, { className: 'num', field: 'table' }),
        cell(withUnit(n.replicationLagSeconds, 's'), { className: 'num', field: 'lag' }));
      return tr;
    }));
  }

  function renderDestinations(destinations) {
    const body = $('destinations').tBodies[0];
    const rows = [];
    if (destinations.length === 0) {
      const tr = element('tr');
      tr.append(element('td', 'No destinations in the routing table.', { colspan: '10' }));
      rows.push(tr);
    }
    for (const d of destinations) {
      const key = `${d.cluster}-${d.destination}`;
      const open = expanded.has(key);
      const tr = element('tr', undefined, { 'data-testid': `destination-${key}` });
      const toggle = element('button', `${open ? '▾' : '▸'} ${d.cluster}`, {
        type: 'button', class: 'link', 'aria-expanded': String(open), 'aria-controls': `details-${key}`,
        'data-testid': `expand-${key}`, title: 'recent probes and per-node figures',
      });
      toggle.addEventListener('click', () => {
        if (expanded.has(key)) expanded.delete(key); else expanded.add(key);
        if (lastAnswer) renderDestinations(lastAnswer.destinations || []);
      });
      const health = d.health || 'Unknown';
      const verdict = element('span', health, { class: `verdict verdict-${health.toLowerCase()}`, title: d.healthReason || '' });
      tr.dataset.health = health;
      tr.append(
        cell(toggle),
        cell(element('span', d.destination, { title: d.address || '' }), { field: 'destination' }),
        cell(verdict, { field: 'health' }),
        cell(d.adminState || dash, { field: 'admin-state' }),
        cell(d.weight ?? dash, { className: 'num', field: 'weight' }),
        cell(d.probeOwner || dash, { field: 'probe-owner' }),
        cell(number(d.requestsPerSecond), { className: 'num', field: 'rps' }),
        cell(withUnit(d.p50Ms, 'ms'), { className: 'num', field: 'p50' }),
        cell(withUnit(d.p99Ms, 'ms'), { className: 'num', field: 'p99' }),
        cell(percent(d.errorRate), { className: 'num', field: 'errors' }));
      rows.push(tr);
      if (open) rows.push(detailsRow(d, key));
    }
    body.replaceChildren(...rows);
  }

  function detailsRow(d, key) {
    const tr = element('tr', undefined, { id: `details-${key}`, class: 'details', 'data-testid': `details-${key}` });
    const td = element('td', undefined, { colspan: '10' });
    const facts = [
      d.healthReason ? `Verdict ${d.health || 'Unknown'}${d.healthSince ? ` since ${time(d.healthSince)}` : ''}: ${d.healthReason}` : null,
      d.passive ? `Real traffic over the last ${d.passive.seconds} s: ${d.passive.requests} requests, ${d.passive.failures} failed, ${d.passive.consecutiveFailures} in a row` : null,
      d.ejected ? `Ejected by outlier detection until ${time(d.ejected.until)} (${d.ejected.ejections} times): ${d.ejected.reason}` : null,
      d.address ? `Address ${d.address}` : null,
    ].filter(Boolean);
    for (const fact of facts) td.append(element('p', fact));
    td.append(element('h3', 'Recent probes'));
    td.append(smallTable(['At', 'OK', 'Status', 'Time', 'Error'],
      (d.recentProbes || []).map(p => [time(p.at), p.ok ? 'yes' : 'no', p.status ?? dash, withUnit(p.ms, 'ms', 0), p.error || ''])));
    td.append(element('h3', 'Per node'));
    td.append(smallTable(['Node', 'Req/s', 'p50', 'p99', 'Errors'],
      (d.perNode || []).map(n => [n.node, number(n.requestsPerSecond), withUnit(n.p50Ms, 'ms'), withUnit(n.p99Ms, 'ms'), percent(n.errorRate)])));
    tr.append(td);
    return tr;
  }

  function renderHistory(history) {
    historyVersion = history.version;
    const body = $('history').tBodies[0];
    const entries = history.entries || [];
    if (entries.length === 0) {
      const tr = element('tr');
      tr.append(cell('No versions yet: the routing table has not been written.'));
      tr.firstChild.colSpan = 5;
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(...entries.map(entry => {
      const v = entry.version;
      const tr = element('tr', undefined, { 'data-testid': `history-${v}` });
      const actions = element('span');
      if (v > 1) {
        const diff = element('button', 'diff with previous', { type: 'button', class: 'link', 'data-testid': `diff-${v}` });
        diff.addEventListener('click', () => showDiff(v - 1, v));
        actions.append(diff, ' ');
      }
      if (v !== history.version) {
        const rollback = element('button', 'roll back to this version', { type: 'button', 'data-testid': `rollback-${v}` });
        rollback.addEventListener('click', () => confirmRollback(v));
        actions.append(rollback);
      } else {
        actions.append(element('span', 'current', { class: 'mark' }));
      }
      tr.append(cell(`v${v}`, { className: 'num' }), cell(time(entry.at)), cell(entry.by || dash), cell(entry.summary || ''), cell(actions));
      return tr;
    }));
  }

  function showMessage(text, isError) {
    const message = $('history-message');
    message.textContent = text;
    message.className = isError ? 'message error' : 'message';
    message.hidden = false;
  }

  async function showDiff(from, to) {
    try {
      const text = await api(`/admin/history/${from}/diff/${to}`, { text: true });
      $('diff-title').textContent = `Changes from v${from} to v${to}`;
      $('diff-text').textContent = typeof text === 'string' ? text : JSON.stringify(text, null, 2);
      $('diff').hidden = false;
    } catch (e) {
      if (e.status !== 401) showMessage(`Could not read the diff of v${from} and v${to}: ${e.message}`, true);
    }
  }

  function confirmRollback(version) {
    const dialog = $('rollback-dialog');
    $('rollback-title').textContent = `Roll back to v${version}?`;
    $('rollback-text').textContent =
      `This makes a new version of the routing table equal to v${version}, on every node. The current version is v${historyVersion}.`;
    dialog.returnValue = '';
    dialog.onclose = () => { if (dialog.returnValue === 'confirm') rollBack(version, historyVersion); };
    dialog.showModal();
  }

  async function rollBack(version, expectedCurrent) {
    try {
      const answer = await api(`/admin/rollback/${version}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'If-Match': `"${expectedCurrent}"` },
        body: '{}',
      });
      showMessage(`Rolled back to v${version}: the routing table is now v${answer.version}.`, false);
      await loadHistory();
    } catch (e) {
      if (e.status === 401) return;
      const why = e.status === 403 ? `this token may only read (403): ${e.message}`
        : e.status === 412 ? `the table changed meanwhile (412): ${e.message}`
        : e.message;
      showMessage(`Rollback to v${version} refused: ${why}`, true);
    }
  }

  async function loadHistory() {
    try {
      renderHistory(await api(`/admin/history?limit=${HISTORY_LIMIT}`));
    } catch (e) {
      if (e.status !== 401) showMessage(`Could not read the history: ${e.message}`, true);
    }
  }

  // --- refresh loop -------------------------------------------------------------------------------

  function showBanner(text) {
    $('banner').textContent = text;
    $('banner').hidden = false;
  }

  async function refresh(loop) {
    try {
      const answer = await api('/admin/observe');
      lastAnswer = answer;
      answeringNode = answer.node;
      $('banner').hidden = true;
      $('answering-node').textContent = answer.node;
      const now = new Date();
      $('last-refresh').textContent = clock(now);
      $('last-refresh').dateTime = now.toISOString();
      $('answering').hidden = false;
      renderMembers(answer.nodes || []);
      renderDestinations(answer.destinations || []);
      const self = (answer.nodes || []).find(n => n.node === answer.node);
      const version = self ? self.tableVersion : null;
      if (version !== tableVersion || historyVersion === null) {
        tableVersion = version;
        await loadHistory();
      }
    } catch (e) {
      if (e.status === 401) return;
      const since = $('last-refresh').textContent;
      const who = answeringNode ? `Node ${answeringNode}` : 'This node';
      showBanner(e.status
        ? `${who} answered with an error: ${e.message}. Retrying every ${REFRESH_MS / 1000} s.`
        : `${who} is not answering${since ? ` (last answer ${since})` : ''}. The figures below are stale; open another node's dashboard. Retrying every ${REFRESH_MS / 1000} s.`);
    }
    if (loop === generation && timer !== null) timer = setTimeout(() => refresh(loop), REFRESH_MS);
  }

  function start() {
    $('login').hidden = true;
    $('views').hidden = false;
    if (timer === null) {
      timer = 0;
      refresh(++generation);
    }
  }

  function logOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (timer) clearTimeout(timer);
    timer = null;
    generation++;
    historyVersion = null;
    tableVersion = null;
    $('views').hidden = true;
    $('answering').hidden = true;
    $('banner').hidden = true;
    $('login').hidden = false;
    const error = $('login-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('token').focus();
  }

  async function logIn(event) {
    event.preventDefault();
    const token = $('token').value.trim();
    $('login-error').hidden = true;
    sessionStorage.setItem(TOKEN_KEY, token);
    try {
      await api('/admin/status');
      $('token').value = '';
      start();
    } catch (e) {
      if (e.status !== 401) logOut(`Could not reach the admin API: ${e.message}`);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', logIn);
    $('logout').addEventListener('click', () => logOut(''));
    $('diff-close').addEventListener('click', () => { $('diff').hidden = true; });
    if (sessionStorage.getItem(TOKEN_KEY)) start(); else logOut('');
  });
})();
