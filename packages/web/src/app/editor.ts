import type { Diagnostic } from '@kordon/engine';
import { clear, h } from './dom.js';

export interface EditorHandlers {
  /** The text of `name` changed (already debounced by the caller). */
  change(name: string, text: string): void;
  select(name: string): void;
}

/** Above this size a file is edited one YAML document at a time: a textarea with 400,000 lines freezes the page. */
const SEGMENT_LINES = 3000;
const SEGMENT_CHARS = 300_000;

/** One YAML document of a large file: lines [start, end) of the file, 0-based. */
interface Segment {
  start: number;
  end: number;
  label: string;
}

/**
 * A plain textarea with a line-number gutter: lines with problems are marked in the gutter, and the problems are
 * listed under the editor with their line; choosing one puts the cursor there. Large files are shown one document at
 * a time, with the file's own line numbers, so messages and links still point at the right line.
 */
export class Editor {
  readonly textarea: HTMLTextAreaElement;
  private readonly gutter: HTMLElement;
  private readonly numbers: HTMLElement;
  private readonly markLayer: HTMLElement;
  private readonly messages: HTMLElement;
  /** The band behind the line the last jump showed. */
  private readonly band: HTMLElement;
  private readonly fileSelect: HTMLSelectElement;
  private readonly docSelect: HTMLSelectElement;
  private current = '';
  private full = '';
  private marks = new Map<number, Diagnostic[]>();
  private lineCount = -1;
  private segments: Segment[] = [];
  private seg = -1;
  /** The file's text before and after the document in the textarea. */
  private prefix = '';
  private suffix = '';
  private offset = 0;
  /** The line the last jump showed (file line numbers), marked in the gutter. */
  private focusLine = 0;

  constructor(root: HTMLElement, private readonly handlers: EditorHandlers) {
    this.fileSelect = h('select', { id: 'file-select', 'aria-label': 'File to edit' });
    this.fileSelect.addEventListener('change', () => handlers.select(this.fileSelect.value));
    this.docSelect = h('select', { id: 'doc-select', 'aria-label': 'Document of the file to edit', hidden: true });
    this.docSelect.addEventListener('change', () => this.showSegment(Number(this.docSelect.value)));
    this.numbers = h('pre', { class: 'numbers' });
    this.markLayer = h('div', { class: 'marks' });
    this.gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' }, h('div', { class: 'gutter-inner' }, this.numbers, this.markLayer));
    this.textarea = h('textarea', {
      id: 'yaml',
      spellcheck: 'false',
      autocapitalize: 'off',
      autocomplete: 'off',
      wrap: 'off',
      'aria-label': 'YAML of the selected file',
      'aria-describedby': 'editor-messages-title',
    });
    this.messages = h('ul', { id: 'editor-messages', class: 'messages', 'aria-labelledby': 'editor-messages-title' });
    this.band = h('div', { class: 'line-focus', 'aria-hidden': 'true', hidden: true });
    const wrap = h('div', { class: 'code' }, this.gutter, h('div', { class: 'text-wrap' }, this.band, this.textarea));
    root.append(
      h('div', { class: 'editor-bar' }, h('label', { for: 'file-select', class: 'visually-hidden' }, 'File'), this.fileSelect, this.docSelect),
      wrap,
      h('h3', { id: 'editor-messages-title', class: 'messages-title', 'aria-live': 'polite' }, 'No problems'),
      this.messages,
    );
    this.textarea.addEventListener('input', () => {
      this.full = this.prefix + this.textarea.value + this.suffix;
      this.updateGutter();
      handlers.change(this.current, this.full);
    });
    this.textarea.addEventListener('scroll', () => {
      this.gutter.scrollTop = this.textarea.scrollTop;
      this.placeBand();
    });
  }

  get file(): string {
    return this.current;
  }

  setFiles(names: readonly string[], current: string, text: string): void {
    if (this.fileSelect.options.length !== names.length || [...this.fileSelect.options].some((o, k) => o.value !== names[k])) {
      clear(this.fileSelect);
      for (const n of names) this.fileSelect.append(h('option', { value: n }, n));
    }
    this.fileSelect.value = current;
    this.fileSelect.disabled = names.length === 0;
    if (current !== this.current || this.full !== text) {
      if (current !== this.current) this.focusLine = 0;
      this.current = current;
      this.full = text;
      this.segment();
    }
    this.textarea.placeholder = names.length === 0 ? 'Type or paste Kubernetes manifests here (YAML or JSON)…' : '';
  }

  /** Splits a large file at its `---` lines; a small one is one segment, the whole file. */
  private segment(): void {
    const text = this.full;
    let lines = 1;
    for (let k = text.indexOf('\n'); k >= 0 && lines <= SEGMENT_LINES; k = text.indexOf('\n', k + 1)) lines++;
    if (lines <= SEGMENT_LINES && text.length <= SEGMENT_CHARS) {
      this.segments = [];
      this.docSelect.hidden = true;
      this.setWindow(0, text, '', '');
      return;
    }
    const all = text.split('\n');
    const segs: Segment[] = [];
    let start = 0;
    const close = (end: number) => {
      if (end <= start) return;
      const body = all.slice(start, Math.min(end, start + 40)).join('\n');
      const kind = /^kind:\s*(\S+)/m.exec(body)?.[1] ?? 'document';
      const name = /^\s+name:\s*(\S+)/m.exec(body)?.[1] ?? '';
      const ns = /^\s+namespace:\s*(\S+)/m.exec(body)?.[1];
      segs.push({ start, end, label: `${kind} ${ns ? `${ns}/` : ''}${name} (line ${start + 1})` });
      start = end;
    };
    all.forEach((l, k) => {
      if (k > 0 && /^---(\s|$)/.test(l)) close(k);
    });
    close(all.length);
    this.segments = segs;
    clear(this.docSelect);
    const frag = document.createDocumentFragment();
    segs.forEach((sg, k) => frag.append(h('option', { value: k }, `${k + 1}/${segs.length}: ${sg.label}`)));
    this.docSelect.append(frag);
    this.docSelect.hidden = false;
    // Start at the first NetworkPolicy: that is what people come to edit.
    const first = segs.findIndex((sg) => sg.label.startsWith('NetworkPolicy'));
    this.showSegment(first >= 0 ? first : 0);
  }

  private showSegment(k: number): void {
    if (this.segments.length === 0) return;
    // Line ranges move when a document grows or shrinks: re-split the current text first.
    const lines = this.full.split('\n');
    const sg = this.segments[k];
    if (!sg) return;
    const before = lines.slice(0, sg.start);
    const mine = lines.slice(sg.start, sg.end);
    const after = lines.slice(sg.end);
    const text = mine.join('\n');
    this.seg = k;
    this.docSelect.value = String(k);
    this.setWindow(sg.start, text, before.length ? `${before.join('\n')}\n` : '', after.length ? `\n${after.join('\n')}` : '');
  }

  private setWindow(offset: number, text: string, prefix: string, suffix: string): void {
    this.offset = offset;
    this.prefix = prefix;
    this.suffix = suffix;
    this.textarea.value = text;
    this.textarea.scrollTop = 0;
    this.updateGutter(true);
  }

  /** Problems of the current file; others are listed by the page. */
  setDiagnostics(all: readonly Diagnostic[], onChoose: (d: Diagnostic) => void): void {
    const mine = all.filter((d) => d.file === this.current);
    this.marks = new Map();
    for (const d of mine) {
      const l = this.marks.get(d.line) ?? [];
      l.push(d);
      this.marks.set(d.line, l);
    }
    clear(this.messages);
    const title = this.messages.previousElementSibling as HTMLElement;
    const errors = mine.filter((d) => d.severity === 'error').length;
    const warnings = mine.filter((d) => d.severity === 'warning').length;
    title.textContent = mine.length === 0 ? 'No problems in this file' : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${mine.length - errors - warnings} note${mine.length - errors - warnings === 1 ? '' : 's'}`;
    this.textarea.setAttribute('aria-invalid', errors > 0 ? 'true' : 'false');
    for (const d of mine.slice(0, 200)) {
      const btn = h(
        'button',
        { type: 'button', class: `msg ${d.severity}`, 'data-line': d.line, onclick: () => onChoose(d) },
        h('span', { class: 'msg-where' }, `line ${d.line}:${d.column}`),
        h('span', { class: `sev ${d.severity}` }, d.severity),
        h('span', { class: 'msg-text' }, d.message, d.path ? h('code', {}, ` ${d.path}`) : null),
        d.hint ? h('span', { class: 'msg-hint' }, d.hint) : null,
      );
      this.messages.append(h('li', {}, btn));
    }
    this.updateGutter(true);
  }

  /**
   * Puts the cursor at line:column of the file and marks that line (a band behind the text and in the gutter) until
   * the next jump; switches document when the file is shown in parts. The line is not selected: typing would replace it.
   */
  goTo(line: number, column = 1): void {
    if (this.segments.length > 0) {
      const k = this.segments.findIndex((sg) => line - 1 >= sg.start && line - 1 < sg.end);
      if (k >= 0 && k !== this.seg) this.showSegment(k);
    }
    const local = line - this.offset;
    const lines = this.textarea.value.split('\n');
    let offset = 0;
    for (let k = 0; k < local - 1 && k < lines.length; k++) offset += lines[k]!.length + 1;
    offset += Math.max(0, column - 1);
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset);
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, (local - 4) * lineHeight);
    this.focusLine = line;
    this.updateGutter(true);
  }

  private placeBand(): void {
    const local = this.focusLine - this.offset;
    this.band.hidden = this.focusLine === 0 || local < 1 || local > this.lineCount;
    if (this.band.hidden) return;
    this.band.dataset['line'] = String(this.focusLine);
    this.band.style.top = `${8 + (local - 1) * 18 - this.textarea.scrollTop}px`;
  }

  /**
   * Line numbers are one text node and the marks a few positioned elements (file line numbers, whatever part of the
   * file is shown).
   */
  private updateGutter(force = false): void {
    const value = this.textarea.value;
    let count = 1;
    for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) count++;
    if (force || count !== this.lineCount) {
      this.lineCount = count;
      let numbers = '';
      for (let k = 1; k <= count; k++) numbers += `${k + this.offset}\n`;
      this.numbers.textContent = numbers;
      clear(this.markLayer);
      for (const [line, ds] of this.marks) {
        const local = line - this.offset;
        if (local < 1 || local > count) continue;
        const sev = ds.some((d) => d.severity === 'error') ? 'error' : ds.some((d) => d.severity === 'warning') ? 'warning' : 'info';
        this.markLayer.append(h('div', { class: `ln mark ${sev}`, style: `top:${(local - 1) * 18}px`, title: ds.map((d) => d.message).join('\n'), 'data-line': line }, String(line)));
      }
      const focus = this.focusLine - this.offset;
      if (focus >= 1 && focus <= count) this.markLayer.append(h('div', { class: 'ln focus', style: `top:${(focus - 1) * 18}px`, 'data-line': this.focusLine }, String(this.focusLine)));
      this.placeBand();
    }
    this.gutter.scrollTop = this.textarea.scrollTop;
  }
}
