import { CELL_ALL, CELL_NA, CELL_NONE, CELL_SOME, type Group, type MatrixView } from '../view/analysis.js';
import { clear, h } from './dom.js';

/** Above this many rows the matrix is drawn on a canvas, only the visible part. */
export const TABLE_MAX = 120;

export interface MatrixHandlers {
  /** The user asked for the full explanation of a cell. */
  explain(row: number, col: number): void;
  /** The pointer or the keyboard is on a cell (undefined: left the matrix). */
  hover(text: string | undefined): void;
}

const STATE_WORD: Record<number, string> = { [CELL_ALL]: 'allowed', [CELL_SOME]: 'partly allowed', [CELL_NONE]: 'denied', [CELL_NA]: 'not applicable' };
const GLYPH: Record<number, string> = { [CELL_ALL]: '✓', [CELL_SOME]: '◐', [CELL_NONE]: '', [CELL_NA]: '' };

export function groupName(g: Group): string {
  if (g.kind === 'ip') return g.label;
  if (g.kind === 'namespace') return `namespace ${g.label}`;
  return `${g.namespace}/${g.label}`;
}

/** What hovering or focusing a cell says. */
export function cellText(view: MatrixView, row: number, col: number): string {
  const n = view.groups.length;
  const idx = row * n + col;
  const s = view.cells[idx]!;
  const from = groupName(view.groups[row]!);
  const to = groupName(view.groups[col]!);
  const columns = view.column.columns.length;
  let counts = '';
  if (columns > 1) counts = portsText(view, idx);
  else if (view.allowed && view.pairs && s !== CELL_NA && (view.pairs[idx]! > 1)) counts = ` (${view.allowed[idx]} of ${view.pairs[idx]} pod pairs)`;
  return `${from} → ${to} on ${view.column.label}: ${STATE_WORD[s]}${counts}`;
}

/** Which of a several-column choice's columns a cell is open on: `: on 8080/TCP only (1 of 10 port columns)`. */
function portsText(view: MatrixView, idx: number): string {
  const s = view.cells[idx]!;
  if (s === CELL_NA || s === CELL_NONE || !view.ports) return '';
  const open = view.ports.sets[view.ports.ofCell[idx]!] ?? [];
  const total = view.ports.total;
  if (open.length === total) return s === CELL_ALL ? ` on all ${total} port columns` : ` for some pod pairs, on all ${total} port columns`;
  const shown = open.length > 6 ? `${open.slice(0, 6).join(', ')} and ${open.length - 6} more` : open.join(', ');
  return `: open on ${shown}${open.length === 1 ? ' only' : ''} (${open.length} of ${total} port columns)`;
}

export class MatrixPanel {
  private view: MatrixView | undefined;
  private changed = new Set<number>();
  private cursor = { row: 0, col: 0 };
  private canvasState: { canvas: HTMLCanvasElement; scroller: HTMLDivElement; cell: number; head: number } | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly handlers: MatrixHandlers,
  ) {}

  render(view: MatrixView, changed: readonly number[]): void {
    const sameShape = this.view && this.view.groups.length === view.groups.length;
    this.view = view;
    this.changed = new Set(changed);
    if (!sameShape) this.cursor = { row: 0, col: 0 };
    this.cursor.row = Math.min(this.cursor.row, Math.max(0, view.groups.length - 1));
    this.cursor.col = Math.min(this.cursor.col, Math.max(0, view.groups.length - 1));
    const hadFocus = this.root.contains(document.activeElement);
    clear(this.root);
    this.canvasState = undefined;
    if (view.groups.length === 0) {
      this.root.append(h('p', { class: 'empty' }, 'No pods in the input yet.'));
      return;
    }
    if (view.groups.length <= TABLE_MAX) this.renderTable(view);
    else this.renderCanvas(view);
    if (hadFocus) this.focusCursor();
  }

  private renderTable(view: MatrixView): void {
    const n = view.groups.length;
    const table = h('table', { class: 'matrix', role: 'grid', 'aria-label': `Who can reach whom on ${view.column.label}: rows are sources, columns destinations`, 'aria-rowcount': n + 2, 'aria-colcount': n + 1 });
    const thead = h('thead');
    // Namespace bands above the column headers: the heatmap reads grouped by namespace.
    const bands = h('tr', { class: 'bands' }, h('th', { class: 'corner', scope: 'col' }, h('span', { class: 'visually-hidden' }, 'namespace')));
    for (const [ns, span, start] of runs(view.groups)) {
      const name = ns || 'outside';
      // A band too narrow for its name shows the start of it; the full name is in the title and in the row headers.
      const room = Math.max(1, Math.floor((span * 26 - 8) / 7.5));
      bands.append(h('th', { scope: 'colgroup', colspan: span, class: `band${start === 0 ? '' : ' ns-start'}`, title: name, 'aria-label': name }, name.length <= room ? name : `${name.slice(0, Math.max(1, room - 1))}…`));
    }
    const heads = h('tr', { class: 'heads' }, h('th', { class: 'corner', scope: 'col' }, h('span', { class: 'corner-label' }, 'from ↓  to →')));
    view.groups.forEach((g, j) => {
      heads.append(h('th', { scope: 'col', class: `colhead${isNsStart(view.groups, j) ? ' ns-start' : ''}`, title: groupName(g) }, h('span', {}, g.label)));
    });
    // By namespace every column is its own namespace: the bands would only repeat the headers.
    if (view.level === 'namespace') {
      table.classList.add('no-bands');
      thead.append(heads);
    } else thead.append(bands, heads);
    const tbody = h('tbody');
    for (let i = 0; i < n; i++) {
      const g = view.groups[i]!;
      const tr = h('tr', { class: isNsStart(view.groups, i) ? 'ns-start' : undefined });
      tr.append(h('th', { scope: 'row', class: 'rowhead', title: groupName(g) }, h('span', { class: 'rowns' }, g.kind === 'ip' ? 'outside' : g.kind === 'namespace' ? '' : g.namespace), h('span', { class: 'rowname' }, g.label)));
      for (let j = 0; j < n; j++) {
        const idx = i * n + j;
        const s = view.cells[idx]!;
        const cls = ['cell', `s${s}`];
        if (this.changed.has(idx)) cls.push('changed');
        if (isNsStart(view.groups, j)) cls.push('ns-start');
        const td = h('td', {
          class: cls.join(' '),
          role: 'gridcell',
          tabindex: i === this.cursor.row && j === this.cursor.col ? 0 : -1,
          'data-row': i,
          'data-col': j,
          'data-state': s === CELL_ALL ? 'allowed' : s === CELL_SOME ? 'partial' : s === CELL_NONE ? 'denied' : 'na',
          'aria-label': cellText(view, i, j) + (this.changed.has(idx) ? ' (changed by the last edit)' : ''),
        }, GLYPH[s] ?? '');
        tr.append(td);
      }
      tbody.append(tr);
    }
    table.append(thead, tbody);
    table.addEventListener('mouseover', (e) => {
      const td = (e.target as HTMLElement).closest('td');
      if (td) this.handlers.hover(cellText(view, Number(td.dataset['row']), Number(td.dataset['col'])));
    });
    table.addEventListener('mouseleave', () => this.handlers.hover(undefined));
    table.addEventListener('click', (e) => {
      const td = (e.target as HTMLElement).closest('td');
      if (!td) return;
      this.moveTo(Number(td.dataset['row']), Number(td.dataset['col']));
      this.handlers.explain(this.cursor.row, this.cursor.col);
    });
    table.addEventListener('keydown', (e) => this.onKey(e));
    table.addEventListener('focusin', (e) => {
      const td = (e.target as HTMLElement).closest('td');
      if (td) this.handlers.hover(cellText(view, Number(td.dataset['row']), Number(td.dataset['col'])));
    });
    this.root.append(h('div', { class: 'matrix-scroll' }, table));
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.view?.groups.length ?? 0;
    if (n === 0) return;
    let { row, col } = this.cursor;
    const page = 10;
    switch (e.key) {
      case 'ArrowRight': col = Math.min(n - 1, col + 1); break;
      case 'ArrowLeft': col = Math.max(0, col - 1); break;
      case 'ArrowDown': row = Math.min(n - 1, row + 1); break;
      case 'ArrowUp': row = Math.max(0, row - 1); break;
      case 'PageDown': row = Math.min(n - 1, row + page); break;
      case 'PageUp': row = Math.max(0, row - page); break;
      case 'Home': col = 0; if (e.ctrlKey) row = 0; break;
      case 'End': col = n - 1; if (e.ctrlKey) row = n - 1; break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.handlers.explain(row, col);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.moveTo(row, col);
    this.focusCursor();
  }

  private moveTo(row: number, col: number): void {
    const prev = this.root.querySelector<HTMLElement>(`td[data-row="${this.cursor.row}"][data-col="${this.cursor.col}"]`);
    if (prev) prev.tabIndex = -1;
    this.cursor = { row, col };
    const next = this.root.querySelector<HTMLElement>(`td[data-row="${row}"][data-col="${col}"]`);
    if (next) next.tabIndex = 0;
    if (this.canvasState && this.view) {
      this.scrollCanvasTo(row, col);
      this.drawCanvas();
      this.handlers.hover(cellText(this.view, row, col));
      this.canvasState.canvas.setAttribute('aria-label', `Matrix of ${this.view.groups.length} rows on ${this.view.column.label}; current cell: ${cellText(this.view, row, col)}. Arrow keys move, Enter explains.`);
    }
  }

  private focusCursor(): void {
    if (this.canvasState) {
      this.canvasState.canvas.focus();
      return;
    }
    this.root.querySelector<HTMLElement>(`td[data-row="${this.cursor.row}"][data-col="${this.cursor.col}"]`)?.focus();
  }

  // -------------------------------------------------------------------------------------------
  // Canvas: a scroll area as large as the whole matrix, and a canvas the size of the window onto it.

  private renderCanvas(view: MatrixView): void {
    const n = view.groups.length;
    const cell = n > 1500 ? 6 : n > 600 ? 9 : 13;
    const head = 170;
    const scroller = h('div', { class: 'matrix-canvas-scroll' });
    const sizer = h('div', { class: 'matrix-sizer', style: `width:${head + n * cell}px;height:${head + n * cell}px` });
    const canvas = h('canvas', { class: 'matrix-canvas', tabindex: 0, role: 'img', 'aria-label': `Matrix of ${n} rows on ${view.column.label}. Arrow keys move, Enter explains.` });
    scroller.append(canvas, sizer);
    this.root.append(scroller);
    this.canvasState = { canvas, scroller, cell, head };
    const toCell = (e: MouseEvent): [number, number] | undefined => {
      const r = canvas.getBoundingClientRect();
      const x = e.clientX - r.left - head;
      const y = e.clientY - r.top - head;
      if (x < 0 || y < 0) return undefined;
      const col = Math.floor((x + scroller.scrollLeft) / cell);
      const row = Math.floor((y + scroller.scrollTop) / cell);
      return row < n && col < n ? [row, col] : undefined;
    };
    canvas.addEventListener('mousemove', (e) => {
      const rc = toCell(e);
      this.handlers.hover(rc ? cellText(view, rc[0], rc[1]) : undefined);
    });
    canvas.addEventListener('mouseleave', () => this.handlers.hover(undefined));
    canvas.addEventListener('click', (e) => {
      const rc = toCell(e);
      if (!rc) return;
      this.moveTo(rc[0], rc[1]);
      this.handlers.explain(rc[0], rc[1]);
    });
    canvas.addEventListener('keydown', (e) => this.onKey(e));
    canvas.addEventListener('focus', () => this.handlers.hover(cellText(view, this.cursor.row, this.cursor.col)));
    scroller.addEventListener('scroll', () => this.drawCanvas(), { passive: true });
    new ResizeObserver(() => this.drawCanvas()).observe(scroller);
    this.drawCanvas();
  }

  private scrollCanvasTo(row: number, col: number): void {
    const st = this.canvasState!;
    const { scroller, cell, head } = st;
    const vw = scroller.clientWidth - head;
    const vh = scroller.clientHeight - head;
    if (col * cell < scroller.scrollLeft) scroller.scrollLeft = col * cell;
    else if ((col + 1) * cell > scroller.scrollLeft + vw) scroller.scrollLeft = (col + 1) * cell - vw;
    if (row * cell < scroller.scrollTop) scroller.scrollTop = row * cell;
    else if ((row + 1) * cell > scroller.scrollTop + vh) scroller.scrollTop = (row + 1) * cell - vh;
  }

  private drawCanvas(): void {
    const st = this.canvasState;
    const view = this.view;
    if (!st || !view) return;
    const { canvas, scroller, cell, head } = st;
    const n = view.groups.length;
    const w = scroller.clientWidth;
    const hgt = scroller.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(hgt * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${hgt}px`;
    }
    canvas.style.transform = `translate(${scroller.scrollLeft}px, ${scroller.scrollTop}px)`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, w, hgt);
    const c0 = Math.floor(scroller.scrollLeft / cell);
    const r0 = Math.floor(scroller.scrollTop / cell);
    const cols = Math.ceil((w - head) / cell) + 1;
    const rows = Math.ceil((hgt - head) / cell) + 1;
    const ox = head - (scroller.scrollLeft % cell);
    const oy = head - (scroller.scrollTop % cell);
    const colors = ['#eef1f4', '#8fd19e', '#1a7f37', '#ffffff'];
    for (let r = 0; r < rows && r0 + r < n; r++) {
      const i = r0 + r;
      for (let c = 0; c < cols && c0 + c < n; c++) {
        const j = c0 + c;
        const idx = i * n + j;
        ctx.fillStyle = colors[view.cells[idx]!] ?? '#fff';
        ctx.fillRect(ox + c * cell, oy + r * cell, cell - 1, cell - 1);
        if (this.changed.has(idx)) {
          ctx.strokeStyle = '#8250df';
          ctx.lineWidth = 2;
          ctx.strokeRect(ox + c * cell + 1, oy + r * cell + 1, cell - 3, cell - 3);
        }
      }
    }
    // Namespace boundaries.
    ctx.strokeStyle = '#57606a';
    ctx.lineWidth = 1;
    // One pass per axis: k runs over the visible groups, `at` is where group k starts on that axis.
    const boundaries = (first: number, count: number, origin: number, line: (at: number) => void) => {
      for (let k = Math.max(1, first); k < Math.min(n, first + count); k++) {
        if (!isNsStart(view.groups, k)) continue;
        ctx.beginPath();
        line(origin + (k - first) * cell - 0.5);
        ctx.stroke();
      }
    };
    boundaries(c0, cols, ox, (x) => {
      ctx.moveTo(x, head);
      ctx.lineTo(x, hgt);
    });
    boundaries(r0, rows, oy, (y) => {
      ctx.moveTo(head, y);
      ctx.lineTo(w, y);
    });
    // Headers, drawn over the cells that scrolled under them.
    ctx.fillStyle = '#f6f8fa';
    ctx.fillRect(0, 0, w, head);
    ctx.fillRect(0, 0, head, hgt);
    ctx.fillStyle = '#1f2328';
    ctx.font = `${Math.max(9, Math.min(12, cell - 1))}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    if (cell >= 9) {
      for (let r = 0; r < rows && r0 + r < n; r++) {
        const g = view.groups[r0 + r]!;
        const y = oy + r * cell + cell / 2;
        if (y < head) continue;
        // The namespace is named on the first row of its band (lines separate the bands); names keep their ends.
        const k = r0 + r;
        const ns = g.kind !== 'ip' && g.kind !== 'namespace' && (r === 0 || isNsStart(view.groups, k)) ? `${g.namespace}/` : '';
        ctx.fillText(fitText(ctx, `${ns}${g.label}`, head - 12 - (ns ? 0 : 10)), ns ? 6 : 16, y);
      }
      ctx.save();
      for (let c = 0; c < cols && c0 + c < n; c++) {
        const g = view.groups[c0 + c]!;
        const x = ox + c * cell + cell / 2;
        if (x < head) continue;
        ctx.save();
        ctx.translate(x, head - 6);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(fitText(ctx, g.label, head - 12), 0, 0);
        ctx.restore();
      }
      ctx.restore();
    } else {
      ctx.fillText(`${n} rows × ${n} columns`, 8, head / 2);
      ctx.fillText('hover or use the arrow keys for names', 8, head / 2 + 16);
    }
    // Cursor.
    const cr = this.cursor.row - r0;
    const cc = this.cursor.col - c0;
    if (cr >= 0 && cc >= 0 && cr < rows && cc < cols) {
      ctx.strokeStyle = '#0969da';
      ctx.lineWidth = 2;
      ctx.strokeRect(ox + cc * cell - 1, oy + cr * cell - 1, cell + 1, cell + 1);
    }
  }
}

/** The text, shortened in the middle until it fits `max` pixels: pod names differ in their ends (`api-7d9f…x2k4q`). */
function fitText(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let keep = text.length - 1;
  const cut = (k: number) => `${text.slice(0, Math.ceil(k / 2))}…${text.slice(text.length - Math.floor(k / 2))}`;
  while (keep > 1 && ctx.measureText(cut(keep)).width > max) keep--;
  return cut(keep);
}

function isNsStart(groups: readonly Group[], k: number): boolean {
  if (k === 0) return false;
  const a = groups[k - 1]!;
  const b = groups[k]!;
  return a.namespace !== b.namespace || (a.kind === 'ip') !== (b.kind === 'ip');
}

/** Consecutive groups of one namespace: [namespace, count, start]. */
function runs(groups: readonly Group[]): [string, number, number][] {
  const out: [string, number, number][] = [];
  groups.forEach((g, k) => {
    const ns = g.kind === 'ip' ? '' : g.namespace;
    const last = out[out.length - 1];
    if (last && last[0] === ns && !isNsStart(groups, k)) last[1]++;
    else out.push([ns, 1, k]);
  });
  return out;
}
