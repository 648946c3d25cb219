'use strict';
(() => {
const TOKEN = new URLSearchParams(location.search).get('token') || '';
const $ = (id) => document.getElementById(id);
const state = {items: [], view: [], pos: 0, mode: 'flagged', details: new Map(),
  progress: {reviewed: 0, flagged: 0}, confirmed: 0, pendingSaves: 0, who: '',
  studentPage: null, lastDecided: null, rows: new Map(), currentRow: null};
window.reviewTimings = [];

function el(tag, cls, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
function setText(id, text) { $(id).textContent = text === null || text === undefined
  ? '' : String(text); }
function fmt(x) { return x === null || x === undefined ? '–'
  : String(Math.round(Number(x) * 10000) / 10000); }
function keyOf(item) { return item.student + '\u0000' + item.check; }

async function api(path, body) {
  const options = {headers: {'X-Review-Token': TOKEN}, cache: 'no-store'};
  if (body !== undefined) {
    options.method = 'POST';
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) throw new Error(data.error || ('HTTP ' + response.status));
  return data;
}

function toast(text, info) {
  const box = $('toast');
  box.textContent = text;
  box.className = info ? 'info' : '';
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, info ? 3000 : 6000);
}

function showProgress() {
  setText('reviewed', state.progress.reviewed);
  setText('flagged', state.progress.flagged);
}

function buildView(keepItem) {
  const check = $('f-check').value, band = $('f-band').value;
  const who = $('f-student').value.trim().toLowerCase();
  state.view = state.items.filter((it) =>
    (state.mode === 'all' || it.flagged)
    && (!check || it.check === check)
    && (band === '' || String(it.band) === band)
    && (!who || it.student.toLowerCase().includes(who)));
  let pos = keepItem ? state.view.indexOf(keepItem) : -1;
  if (pos < 0) pos = state.view.findIndex((it) => !it.decision);
  state.pos = pos < 0 ? 0 : pos;
  buildList();
  render();
}

// The queue beside the item: in flagged mode a heading per question (the server sends the
// items grouped by check in the exercise's order, lowest confidence first), and under each
// flagged item the sentence that decided its grade. Built once per view; a move only
// changes which row is marked, a decision only that row's badge.
function buildList() {
  const list = $('q-list');
  const box = document.createDocumentFragment();
  const counts = new Map();
  if (state.mode === 'flagged') {
    for (const it of state.view) counts.set(it.check, (counts.get(it.check) || 0) + 1);
  }
  state.rows = new Map();
  state.currentRow = null;
  let group = null;
  state.view.forEach((it, index) => {
    if (state.mode === 'flagged' && it.check !== group) {
      group = it.check;
      const heading = el('h3', 'q-group', it.check + ' (' + counts.get(it.check)
        + ' flagged)');
      heading.title = it.name;
      heading.dataset.check = it.check;
      box.append(heading);
    }
    const conf = it.confidence === null || it.confidence === undefined ? ''
      : ' · ' + Number(it.confidence).toFixed(2);
    const row = el('div', 'q-item',
      el('div', 'q-head', el('span', 'q-student', it.student), ' ',
        state.mode === 'flagged' ? null : el('span', 'q-check', it.check + ' '),
        el('span', 'q-score', fmt(it.grader_score) + '/' + fmt(it.max) + conf), ' ',
        el('span', 'q-state', stateBadge(it))),
      it.flagged && it.deciding ? el('div', 'q-deciding', '“' + it.deciding + '”') : null);
    row.dataset.index = String(index);
    row.dataset.key = it.student + '/' + it.check;
    state.rows.set(it, row);
    box.append(row);
  });
  list.replaceChildren(box);
  $('queue').hidden = state.view.length === 0;
}

function refreshRow(item) {
  const row = state.rows.get(item);
  if (row) row.querySelector('.q-state').replaceChildren(stateBadge(item));
}

function markRow(item) {
  const row = item ? state.rows.get(item) : null;
  if (row === state.currentRow) return;
  if (state.currentRow) state.currentRow.classList.remove('current');
  state.currentRow = row || null;
  if (row) {
    row.classList.add('current');
    row.scrollIntoView({block: 'nearest'});
  }
}

function nextUndecided(from) {
  const n = state.view.length;
  for (let step = 1; step <= n; step++) {
    const i = (from + step) % n;
    if (!state.view[i].decision) return i;
  }
  return Math.min(from + 1, n - 1);
}

function current() { return state.view[state.pos]; }

function stateBadge(item) {
  if (item.decision) {
    const cls = item.decision.pending ? 'pending' : 'done';
    const text = item.decision.pending ? 'saving…' : 'decided ' + fmt(item.decision.score)
      + (item.decision.who ? ' by ' + item.decision.who : '');
    return el('span', cls, text);
  }
  return item.flagged ? el('span', 'flag', 'needs review') : el('span', '', '');
}

function render() {
  const item = current();
  $('item').hidden = !item || state.studentPage !== null;
  $('empty').hidden = !!item || state.studentPage !== null;
  const left = state.view.filter((it) => !it.decision).length;
  setText('where', (item ? (state.pos + 1) + ' of ' + state.view.length : '0 of 0')
    + ' · ' + (left ? left + ' undecided' : 'all decided'));
  markRow(item);
  if (!item) return;
  setText('i-student', item.student);
  setText('i-check', item.check);
  $('i-state').replaceChildren(stateBadge(item));
  setText('i-question', item.name);
  const conf = item.confidence === null || item.confidence === undefined ? ''
    : ' · confidence ' + Number(item.confidence).toFixed(2);
  setText('i-grade', 'grader: ' + fmt(item.grader_score) + ' / ' + fmt(item.max)
    + ' · band ' + item.band + conf + ' · status ' + item.status
    + (item.decision ? ' · now ' + fmt(item.decision.score) : ''));
  $('i-deciding').hidden = !item.deciding;
  setText('i-deciding-quote', item.deciding ? '“' + item.deciding + '”' : '');
  const detail = state.details.get(keyOf(item));
  renderDetail(item, detail);
  if (!detail) loadDetail(item);
  prefetch();
}

function renderDetail(item, detail) {
  const ready = !!detail;
  $('item').dataset.loaded = ready ? '1' : '0';
  $('item').dataset.key = item.student + '/' + item.check;
  const answer = ready ? detail.answer : null;
  $('i-answer-box').hidden = ready && (answer === null || answer === undefined);
  setText('i-answer', ready ? (answer || '') : 'loading…');
  const points = $('i-points');
  points.replaceChildren();
  const verdicts = ready ? detail.verdicts : [];
  $('i-points-box').hidden = verdicts.length === 0;
  if (verdicts.length) {
    points.append(el('tr', '', el('th', '', 'key point'), el('th', '', 'verdict'),
      el('th', '', 'deciding sentence')));
    for (const v of verdicts) {
      points.append(el('tr', '', el('td', '', v.point), el('td', v.verdict, v.verdict),
        el('td', 'quote', v.quote ? '“' + v.quote + '”' : '')));
    }
  }
  setText('i-feedback', ready ? (detail.feedback || '(no feedback)') : '');
  setText('i-counterexample', ready && detail.counterexample
    ? 'counterexample: ' + detail.counterexample : '');
  const metrics = $('i-metrics');
  metrics.replaceChildren();
  for (const [k, v] of Object.entries(ready ? detail.metrics : {})) {
    metrics.append(el('tr', '', el('td', '', k), el('td', '', fmt(v))));
  }
  const history = $('i-history');
  history.replaceChildren();
  const entries = ready ? detail.history : [];
  $('i-history-box').hidden = entries.length === 0;
  for (const h of entries) {
    history.append(el('li', '', h.at + ' ' + (h.who || '?') + ': ' + fmt(h.old_score) + ' → '
      + (h.new_score === null ? 'cleared' : fmt(h.new_score))
      + (h.reason ? ' (' + h.reason + ')' : '')));
  }
}

async function loadDetail(item) {
  const key = keyOf(item);
  if (state.details.has(key) || loadDetail.inFlight.has(key)) return;
  loadDetail.inFlight.add(key);
  try {
    const q = '?student=' + encodeURIComponent(item.student) + '&check='
      + encodeURIComponent(item.check);
    const detail = await api('/api/item' + q);
    state.details.set(key, detail);
    if (current() === item && state.studentPage === null) renderDetail(item, detail);
  } catch (error) {
    toast('could not load ' + item.student + ' ' + item.check + ': ' + error.message);
  } finally {
    loadDetail.inFlight.delete(key);
  }
}
loadDetail.inFlight = new Set();

function prefetch() {
  for (let i = 1; i <= 4 && state.pos + i < state.view.length; i++) {
    loadDetail(state.view[state.pos + i]);
  }
  const ahead = nextUndecided(state.pos);
  if (state.view[ahead]) loadDetail(state.view[ahead]);
}

function decide(score, defaultReason, event) {
  const item = current();
  if (!item) return;
  const t0 = event ? event.timeStamp : performance.now();
  const reason = $('reason').value.trim() || defaultReason;
  const before = item.decision;
  const known = before && !before.pending ? before.at : null;
  const wasFlaggedUndecided = item.flagged && !before;
  item.decision = {score: score, reason: reason, who: state.who, pending: true};
  refreshRow(item);
  state.lastDecided = item;
  if (wasFlaggedUndecided) state.progress.reviewed += 1;
  $('reason').value = '';
  $('score').value = '';
  showProgress();
  state.pos = state.mode === 'flagged' ? nextUndecided(state.pos)
    : Math.min(state.pos + 1, state.view.length - 1);
  render();
  const shownNext = current();
  const timing = {key: event ? event.key : '', render_ms: performance.now() - t0,
    prefetched: !!shownNext && state.details.has(keyOf(shownNext))};
  requestAnimationFrame(() => setTimeout(() => {
    timing.paint_ms = performance.now() - t0;
  }, 0));
  window.reviewTimings.push(timing);
  state.pendingSaves += 1;
  state.details.delete(keyOf(item));
  api('/api/decide', {student: item.student, check: item.check, score: score,
    reason: reason, known: known})
    .then((data) => {
      item.decision = data.decision;
      refreshRow(item);
      state.progress = data.progress;
      state.confirmed += 1;
      document.body.dataset.confirmed = String(state.confirmed);
      timing.saved_ms = performance.now() - t0;
      setText('saved', 'saved ✓ ' + item.student + ' ' + item.check + ' → '
        + fmt(data.decision.score));
      if (data.replaced) {
        toast('replaced the decision of ' + (data.replaced.who || 'another reviewer') + ' ('
          + fmt(data.replaced.new_score) + ' at ' + data.replaced.at + ')', true);
      }
    })
    .catch((error) => {
      item.decision = before;
      refreshRow(item);
      if (wasFlaggedUndecided) state.progress.reviewed -= 1;
      toast('NOT saved: ' + item.student + ' ' + item.check + ': ' + error.message);
      state.pos = Math.max(0, state.view.indexOf(item));
    })
    .finally(() => {
      state.pendingSaves -= 1;
      showProgress();
      if (state.studentPage === null) render();
    });
}

function undo() {
  // The decision shown, else the last one taken in this tab (then shown again).
  let item = current();
  if (!item || !item.decision) item = state.lastDecided;
  if (!item || !item.decision || item.decision.pending) return;
  api('/api/clear', {student: item.student, check: item.check}).then((data) => {
    item.decision = null;
    refreshRow(item);
    state.progress = data.progress;
    state.details.delete(keyOf(item));
    if (state.lastDecided === item) state.lastDecided = null;
    const pos = state.view.indexOf(item);
    if (pos >= 0) state.pos = pos;
    setText('saved', 'undone ✓ ' + item.student + ' ' + item.check);
    showProgress();
    render();
  }).catch((error) => toast('undo failed: ' + error.message));
}

function move(step) {
  if (!state.view.length) return;
  state.pos = Math.max(0, Math.min(state.view.length - 1, state.pos + step));
  render();
}

function setMode(mode) {
  state.mode = mode;
  $('mode-' + mode).checked = true;
  buildView(current());
}

async function openStudent() {
  const item = current();
  if (!item) return;
  try {
    const data = await api('/api/student?student=' + encodeURIComponent(item.student));
    state.studentPage = item.student;
    renderStudent(data);
  } catch (error) {
    toast('could not load the student: ' + error.message);
  }
}

function closeStudent() {
  state.studentPage = null;
  $('student').hidden = true;
  render();
}

function renderStudent(data) {
  $('item').hidden = true;
  $('empty').hidden = true;
  $('student').hidden = false;
  setText('s-name', data.student);
  setText('s-total', fmt(data.score) + ' / ' + fmt(data.max) + ' · ' + data.status);
  const box = $('s-checks');
  box.replaceChildren();
  let first = null;
  for (const c of data.checks) {
    const input = el('input', 'set-score');
    input.size = 5;
    input.dataset.check = c.check;
    input.setAttribute('aria-label', 'score of ' + c.check);
    const reason = el('input', 'set-reason');
    reason.size = 40;
    reason.setAttribute('aria-label', 'reason for ' + c.check);
    const submit = (ev) => {
      if (ev.key !== 'Enter') return;
      ev.preventDefault();
      ev.stopPropagation();
      const score = Number(input.value);
      if (input.value.trim() === '' || !Number.isFinite(score)) {
        toast('type a score between 0 and ' + fmt(c.max));
        return;
      }
      api('/api/decide', {student: data.student, check: c.check, score: score,
        reason: reason.value.trim()})
        .then((res) => {
          state.progress = res.progress;
          showProgress();
          state.confirmed += 1;
          document.body.dataset.confirmed = String(state.confirmed);
          const it = state.items.find((x) => x.student === data.student
            && x.check === c.check);
          if (it) {
            it.decision = res.decision;
            refreshRow(it);
          }
          state.details.delete(data.student + '\u0000' + c.check);
          setText('saved', 'saved ✓ ' + data.student + ' ' + c.check + ' → '
            + fmt(res.decision.score));
          return api('/api/student?student=' + encodeURIComponent(data.student));
        })
        .then((fresh) => { if (state.studentPage === data.student) renderStudent(fresh); })
        .catch((error) => toast('NOT saved: ' + c.check + ': ' + error.message));
    };
    input.addEventListener('keydown', submit);
    reason.addEventListener('keydown', submit);
    const card = el('div', 'check',
      el('h3', '', c.name + ' ', el('span', c.overridden ? 'done' : '',
        fmt(c.score) + ' / ' + fmt(c.max) + ' · ' + c.status
        + (c.overridden ? ' · set by the instructor (grader: ' + fmt(c.grader_score) + ')'
          : ''))),
      el('pre', '', c.feedback || '(no feedback)'),
      c.counterexample ? el('pre', '', 'counterexample: ' + c.counterexample) : null,
      el('p', '', el('label', '', 'score ', input), ' ', el('label', '', 'reason ', reason)));
    card.dataset.check = c.check;
    box.append(card);
    if (!first) first = input;
  }
  if (first) first.focus();
}

function inField(target) {
  return target && (target.tagName === 'INPUT' || target.tagName === 'SELECT'
    || target.tagName === 'TEXTAREA');
}

function onFieldKey(event) {
  const target = event.target;
  if (event.key === 'Escape') {
    target.blur();
    if (state.studentPage !== null) closeStudent();
    event.preventDefault();
    return;
  }
  if (event.key !== 'Enter') return;
  if (target.id === 'score') {
    event.preventDefault();
    const item = current();
    const score = Number(target.value);
    if (!item || target.value.trim() === '' || !Number.isFinite(score)
        || score < 0 || score > item.max) {
      toast('a score between 0 and ' + (item ? fmt(item.max) : '?'));
      return;
    }
    target.blur();
    decide(score, '', event);
  } else if (target.id === 'reason' || target.id === 'f-student') {
    event.preventDefault();
    target.blur();
  }
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (inField(event.target)) { onFieldKey(event); return; }
  const item = current();
  const key = event.key;
  if (key === 'Escape') {
    $('help').hidden = true;
    if (state.studentPage !== null) closeStudent();
    return;
  }
  if (state.studentPage !== null) return;
  let handled = true;
  if ((key === 'a' || key === 'Enter') && item) decide(item.grader_score, 'grade confirmed',
    event);
  else if ((key === '0' || key === '1' || key === '2') && item) {
    const band = Number(key);
    const keep = item.band === band;
    const score = keep ? item.grader_score
      : Math.round([0, 0.5, 1][band] * item.max * 10000) / 10000;
    decide(score, keep ? 'band ' + band + ' confirmed' : 'band ' + band, event);
  } else if (key === 's') $('score').focus();
  else if (key === 'r') $('reason').focus();
  else if (key === 'n' || key === 'j' || key === 'ArrowRight') move(1);
  else if (key === 'p' || key === 'k' || key === 'ArrowLeft') move(-1);
  else if (key === 'u') undo();
  else if (key === 'f') setMode(state.mode === 'flagged' ? 'all' : 'flagged');
  else if (key === 'o') openStudent();
  else if (key === '?') $('help').hidden = !$('help').hidden;
  else handled = false;
  if (handled) event.preventDefault();
}

async function start() {
  try {
    const data = await api('/api/queue');
    state.items = data.items;
    state.progress = data.progress;
    state.who = data.who;
    const checks = data.checks || [...new Set(data.items.map((it) => it.check))];
    for (const c of checks) $('f-check').append(el('option', '', c));
    showProgress();
    buildView(null);
    document.body.dataset.ready = '1';
  } catch (error) {
    toast('could not load the gradebook: ' + error.message);
  }
}

document.addEventListener('keydown', onKey);
for (const id of ['f-check', 'f-band']) {
  $(id).addEventListener('change', () => { buildView(current()); $(id).blur(); });
}
$('f-student').addEventListener('input', () => buildView(current()));
$('q-list').addEventListener('click', (event) => {
  const row = event.target.closest('.q-item');
  if (!row || state.studentPage !== null) return;
  state.pos = Number(row.dataset.index);
  render();
});
for (const mode of ['flagged', 'all']) {
  $('mode-' + mode).addEventListener('change', () => setMode(mode));
}
window.addEventListener('beforeunload', (event) => {
  if (state.pendingSaves > 0) event.preventDefault();
});
start();
})();
