/**
 * The live quote board (`/ui/?agent=default&token=…`): one row per symbol of
 * an agent with the current quote, a short sparkline of the mid and the
 * quoted prices, and the connection's state. Built on the typed client
 * (src/client), bundled for the browser by scripts/build-browser.ts.
 */
import { priceDigits, QuotingClient, QuotingError, type StreamQuote, type SymbolView } from '../src/client/index.js';

/** points kept per symbol for its sparkline */
const SPARK_POINTS = 60;
/** lines kept in the event list */
const LOG_LINES = 12;
const TOKEN_KEY = 'mm-board-token';

const params = new URLSearchParams(location.search);
const agent = params.get('agent') ?? 'default';
let token = params.get('token') ?? sessionStorage.getItem(TOKEN_KEY) ?? undefined;

const $ = <T extends Element>(sel: string) => document.querySelector(sel) as T;
const tbody = $<HTMLTableSectionElement>('#board tbody');
const conn = $<HTMLElement>('#conn');
const reconnects = $<HTMLElement>('#reconnects');
const log = $<HTMLOListElement>('#log');
const empty = $<HTMLElement>('#empty');
$<HTMLElement>('#agent').textContent = agent;

interface Point { mid: number; bid: number | null; ask: number | null }
interface Row { tr: HTMLTableRowElement; cells: Record<string, HTMLTableCellElement>; spark: SVGSVGElement; points: Point[] }
const rows = new Map<string, Row>();
let digits = 2;
let reconnectCount = 0;

const FIELDS = ['sym', 'status', 'bid', 'ask', 'mid', 'reservation', 'spreadBps', 'inventory', 'toxicity', 'seq'] as const;
const NUMERIC = new Set(['bid', 'ask', 'mid', 'reservation', 'spreadBps', 'inventory', 'toxicity', 'seq']);
const SVG = 'http://www.w3.org/2000/svg';

function note(text: string): void {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  log.prepend(li);
  while (log.children.length > LOG_LINES) log.lastElementChild!.remove();
}

function row(symbol: string): Row {
  let r = rows.get(symbol);
  if (r !== undefined) return r;
  const tr = document.createElement('tr');
  tr.dataset.symbol = symbol;
  const cells = {} as Record<string, HTMLTableCellElement>;
  for (const f of FIELDS) {
    const td = document.createElement('td');
    td.className = `${f}${NUMERIC.has(f) ? ' num' : ''}`;
    td.dataset.field = f;
    tr.append(td);
    cells[f] = td;
  }
  cells.sym!.textContent = symbol;
  const sparkCell = document.createElement('td');
  const spark = document.createElementNS(SVG, 'svg');
  spark.setAttribute('class', 'spark');
  spark.setAttribute('viewBox', '0 0 160 32');
  spark.setAttribute('preserveAspectRatio', 'none');
  for (const c of ['bid', 'ask', 'mid']) {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', c);
    spark.append(line);
  }
  sparkCell.append(spark);
  tr.append(sparkCell);
  r = { tr, cells, spark, points: [] };
  rows.set(symbol, r);
  // rows in symbol order
  const after = [...rows.keys()].sort().find((s) => s > symbol);
  tbody.insertBefore(tr, after === undefined ? null : rows.get(after)!.tr);
  empty.hidden = true;
  return r;
}

const price = (x: number) => x.toFixed(digits);
const side = (p: number, size: number) => (size > 0 ? `${size} × ${price(p)}` : '—');

function setStatus(r: Row, status: string, text: string): void {
  r.tr.dataset.status = status;
  r.cells.status!.textContent = text;
}

function drawSpark(r: Row): void {
  const pts = r.points;
  const values = pts.flatMap((p) => [p.mid, p.bid, p.ask]).filter((v): v is number => v !== null);
  if (values.length === 0) return;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const x = (i: number) => (pts.length === 1 ? 160 : (i / (pts.length - 1)) * 160);
  const y = (v: number) => 30 - ((v - lo) / span) * 28;
  const lines = r.spark.querySelectorAll('polyline');
  (['bid', 'ask', 'mid'] as const).forEach((k, j) => {
    lines[j]!.setAttribute('points', pts.flatMap((p, i) => (p[k] === null ? [] : [`${x(i).toFixed(1)},${y(p[k]).toFixed(1)}`])).join(' '));
  });
}

function showQuote(q: StreamQuote): void {
  const r = row(q.symbol);
  const c = r.cells;
  c.bid!.textContent = side(q.bidPrice, q.bidSize);
  c.ask!.textContent = side(q.askPrice, q.askSize);
  c.mid!.textContent = price(q.mid);
  c.reservation!.textContent = q.reservation.toFixed(digits + 1);
  c.spreadBps!.textContent = q.spreadBps.toFixed(1);
  c.inventory!.textContent = String(q.inventory);
  c.toxicity!.textContent = q.toxicity.toFixed(2);
  c.seq!.textContent = String(q.seq);
  const sides = q.bidSize > 0 && q.askSize > 0 ? 'quoting' : q.bidSize > 0 ? 'quoting (bid only)' : 'quoting (ask only)';
  setStatus(r, 'quoting', sides);
  r.points.push({ mid: q.mid, bid: q.bidSize > 0 ? q.bidPrice : null, ask: q.askSize > 0 ? q.askPrice : null });
  if (r.points.length > SPARK_POINTS) r.points.splice(0, r.points.length - SPARK_POINTS);
  drawSpark(r);
  r.tr.classList.remove('fresh');
  void r.tr.offsetWidth; // restart the flash
  r.tr.classList.add('fresh');
}

function withdraw(symbol: string, reason: string): void {
  const r = row(symbol);
  r.cells.bid!.textContent = '—';
  r.cells.ask!.textContent = '—';
  setStatus(r, 'withdrawn', reason);
}

function showView(v: SymbolView): void {
  const r = row(v.symbol);
  if (v.quote !== null) showQuote({ type: 'quote', agent, serverTime: Date.now(), snapshot: true, ...v.quote });
  else {
    if (v.mid !== null) r.cells.mid!.textContent = price(v.mid);
    withdraw(v.symbol, v.paused ? 'paused' : 'no quote');
  }
  r.cells.inventory!.textContent = String(v.position);
  r.cells.toxicity!.textContent = v.toxicity.toFixed(2);
}

function setConn(state: string, text: string): void {
  conn.dataset.state = state;
  conn.textContent = text;
}

async function start(): Promise<void> {
  let client = new QuotingClient({ baseUrl: location.origin, ...(token ? { token } : {}) });
  let detail;
  for (let tries = 0; ; tries++) {
    try {
      detail = await client.agent(agent);
      break;
    } catch (e) {
      if (!(e instanceof QuotingError && e.unauthorised) || tries >= 3) throw e;
      const t = prompt(`Read token for the quoting service at ${location.host}`);
      if (!t) throw e;
      token = t;
      sessionStorage.setItem(TOKEN_KEY, t);
      client = new QuotingClient({ baseUrl: location.origin, token });
    }
  }
  digits = priceDigits(detail.config.tickSize);
  for (const v of detail.symbolStates) showView(v);

  const sub = await client.subscribe(agent, '*', showQuote);
  setConn('live', 'live');
  note(`subscribed to ${agent}`);
  sub.on('state', (e) => {
    if (e.state === 'live') setConn('live', 'live');
    else if (e.state === 'reconnecting') setConn('reconnecting', `reconnecting (attempt ${e.attempt})…`);
  });
  sub.on('disconnected', (e) => {
    setConn('reconnecting', `reconnecting (attempt ${e.attempt}, in ${(e.retryInMs / 1_000).toFixed(1)} s)…`);
    note(`connection lost (${e.code}${e.reason ? ` ${e.reason}` : ''})`);
  });
  sub.on('reconnected', (e) => {
    reconnectCount++;
    reconnects.textContent = `${reconnectCount} reconnect${reconnectCount === 1 ? '' : 's'}`;
    note(`reconnected after ${(e.downMs / 1_000).toFixed(1)} s; fresh snapshot`);
    // symbols without a quote get no snapshot: their state comes from the agent
    void client.agent(agent).then((d) => d.symbolStates.filter((v) => v.quote === null).forEach(showView), () => {});
  });
  sub.on('withdrawn', (e) => withdraw(e.symbol, e.reason));
  sub.on('resync', (e) => note(`${e.symbol}: resync (${e.reason})`));
  sub.on('heartbeat-timeout', () => note('no answer from the service: reconnecting'));
  sub.on('error', (e) => note(`${e.code}: ${e.message}`));
  sub.on('closed', (e) => setConn('closed', `closed: ${e.reason}`));
}

start().catch((e: unknown) => {
  const msg = e instanceof QuotingError ? `${e.code}: ${e.message}` : String(e);
  setConn('closed', msg);
  note(msg);
});
