import type { Request, Response } from '../view/controller.js';
import type { Explanation, SourceLink } from '../view/explain.js';
import { byId, clear, h } from './dom.js';

/** What the panel explains: a cell of the matrix (by group ids), or a question asked by name. */
export type Subject = { kind: 'cell'; from: string; to: string } | { kind: 'check'; from: string; to: string; port?: string };

export interface ExplainHandlers {
  ask(req: Request): Promise<Response>;
  /** Puts the editor on a line the explanation links to. */
  jumpTo(link: SourceLink): void;
  /** Ids of the current matrix's groups: a cell whose row or column is gone has nothing left to explain. */
  groupIds(): ReadonlySet<string>;
}

/**
 * The explanation panel. It remembers what it explains, not the answer: every edit, port or level change asks again
 * (or clears the panel when the cell is gone), so the panel never shows a verdict the matrix no longer has.
 */
export class ExplainPanel {
  private subject: Subject | undefined;
  private seq = 0;

  constructor(private readonly handlers: ExplainHandlers) {}

  async show(subject: Subject): Promise<void> {
    this.subject = subject;
    await this.refresh();
    byId('explain-section').scrollIntoView({ block: 'nearest' });
  }

  clear(): void {
    this.subject = undefined;
    this.seq++;
    byId('explain').hidden = true;
  }

  /** Called after every new snapshot. */
  async refresh(): Promise<void> {
    const s = this.subject;
    const seq = ++this.seq;
    if (!s) return;
    const box = byId('explain');
    if (s.kind === 'cell') {
      const ids = this.handlers.groupIds();
      if (!ids.has(s.from) || !ids.has(s.to)) {
        this.clear();
        return;
      }
    }
    box.setAttribute('aria-busy', 'true');
    const req: Request = s.kind === 'cell' ? { type: 'explain', from: s.from, to: s.to } : { type: 'check', from: s.from, to: s.to, ...(s.port ? { port: s.port } : {}) };
    const res = await this.handlers.ask(req);
    // A newer question, or a newer snapshot, was asked meanwhile: its answer is the one to show.
    if (seq !== this.seq) return;
    box.removeAttribute('aria-busy');
    if (res.type === 'explanation') this.render(res.explanation);
  }

  private render(e: Explanation): void {
    const box = byId('explain');
    clear(box);
    const word = e.verdict === 'partial' ? 'partly allowed' : e.verdict;
    box.append(
      h('div', { class: 'explain-head' }, h('span', { class: `verdict ${e.verdict}` }, word), h('h3', { id: 'explain-title' }, e.title)),
      h('p', { class: 'explain-summary' }, e.summary),
    );
    const ul = h('ul', { class: 'explain-lines' });
    for (const l of e.lines) {
      const where = l.link ? `${shortName(l.link.file)}:${l.link.line}` : '';
      ul.append(
        h(
          'li',
          { class: `d${Math.min(l.depth, 3)} ${l.tone ?? ''}` },
          l.text,
          // The visible text starts the accessible name ("label in name"): speech users say what they see.
          l.link ? h('button', { type: 'button', class: 'linkish where', 'aria-label': `${where}: show in the editor`, onclick: () => this.handlers.jumpTo(l.link!) }, where) : null,
        ),
      );
    }
    box.append(ul);
    box.dataset['verdict'] = e.verdict;
    box.hidden = false;
  }
}

/** The last two parts of a path: enough to tell files apart in a narrow panel. */
export function shortName(file: string): string {
  return file.split('/').slice(-2).join('/');
}
