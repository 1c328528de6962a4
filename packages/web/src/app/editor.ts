import type { Diagnostic } from '@kordon/engine';
import { clear, h } from './dom.js';

export interface EditorHandlers {
  /** The text of `name` changed (already debounced by the caller). */
  change(name: string, text: string): void;
  select(name: string): void;
}

/**
 * A plain textarea with a line-number gutter: lines with problems are marked in the gutter, and the problems are
 * listed under the editor with their line; choosing one puts the cursor there.
 */
export class Editor {
  readonly textarea: HTMLTextAreaElement;
  private readonly gutter: HTMLElement;
  private readonly messages: HTMLElement;
  private readonly fileSelect: HTMLSelectElement;
  private current = '';
  private marks = new Map<number, Diagnostic[]>();
  private lineCount = 0;

  constructor(root: HTMLElement, private readonly handlers: EditorHandlers) {
    this.fileSelect = h('select', { id: 'file-select', 'aria-label': 'File to edit' });
    this.fileSelect.addEventListener('change', () => handlers.select(this.fileSelect.value));
    this.gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
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
    const wrap = h('div', { class: 'code' }, this.gutter, this.textarea);
    root.append(
      h('div', { class: 'editor-bar' }, h('label', { for: 'file-select', class: 'visually-hidden' }, 'File'), this.fileSelect),
      wrap,
      h('h3', { id: 'editor-messages-title', class: 'messages-title', 'aria-live': 'polite' }, 'No problems'),
      this.messages,
    );
    this.textarea.addEventListener('input', () => {
      this.updateGutter();
      handlers.change(this.current, this.textarea.value);
    });
    this.textarea.addEventListener('scroll', () => {
      this.gutter.scrollTop = this.textarea.scrollTop;
    });
  }

  get file(): string {
    return this.current;
  }

  setFiles(names: readonly string[], current: string, text: string): void {
    clear(this.fileSelect);
    for (const n of names) this.fileSelect.append(h('option', { value: n, selected: n === current }, n));
    this.fileSelect.disabled = names.length === 0;
    if (current !== this.current || this.textarea.value !== text) {
      this.current = current;
      this.textarea.value = text;
      this.textarea.scrollTop = 0;
    }
    this.textarea.placeholder = names.length === 0 ? 'Type or paste Kubernetes manifests here (YAML or JSON)…' : '';
    this.updateGutter();
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

  /** Puts the cursor at line:column and scrolls it into view. */
  goTo(line: number, column = 1): void {
    const lines = this.textarea.value.split('\n');
    let offset = 0;
    for (let k = 0; k < line - 1 && k < lines.length; k++) offset += lines[k]!.length + 1;
    offset += Math.max(0, column - 1);
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset);
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, (line - 4) * lineHeight);
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  private updateGutter(force = false): void {
    const count = this.textarea.value.split('\n').length;
    if (!force && count === this.lineCount) return;
    this.lineCount = count;
    const frag = document.createDocumentFragment();
    for (let k = 1; k <= count; k++) {
      const m = this.marks.get(k);
      const sev = m ? (m.some((d) => d.severity === 'error') ? 'error' : m.some((d) => d.severity === 'warning') ? 'warning' : 'info') : undefined;
      frag.append(h('div', { class: sev ? `ln mark ${sev}` : 'ln', title: m ? m.map((d) => d.message).join('\n') : undefined, 'data-line': k }, String(k)));
    }
    clear(this.gutter);
    this.gutter.append(frag);
    this.gutter.scrollTop = this.textarea.scrollTop;
  }
}
