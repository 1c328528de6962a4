import type { Request, Response } from '../view/controller.js';
import type { ProposalAction, ProposalView } from '../view/propose.js';
import { byId, clear, h } from './dom.js';

export interface ProposeHandlers {
  ask(req: Request): Promise<Response>;
  /** Puts the files in the editor and applies them, one edit per file; resolves when the page has settled. */
  apply(files: ReadonlyArray<{ name: string; text: string }>): Promise<void>;
  /** The texts of these files now (undefined: the file does not exist), to undo a change. */
  texts(names: readonly string[]): Array<{ name: string; text: string | undefined }>;
  /** Removes files an undo takes back. */
  remove(names: readonly string[]): Promise<void>;
}

/**
 * "Allow this connection" and "Deny" for the cell the explanation shows. Allow writes the change at once (the Cilium
 * editor's way) and says what else it opens; Deny shows the narrowing first and applies it when asked. Either can be
 * undone.
 */
export class ProposePanel {
  private cell: { from: string; to: string } | undefined;
  private seq = 0;

  constructor(private readonly handlers: ProposeHandlers) {
    byId('allow-btn').addEventListener('click', () => void this.run('allow'));
    byId('deny-btn').addEventListener('click', () => void this.run('deny'));
  }

  /** A cell is explained: offer to allow or deny it. */
  offer(cell: { from: string; to: string }): void {
    if (this.cell?.from !== cell.from || this.cell?.to !== cell.to) this.clearProposal();
    this.cell = cell;
    byId('propose').hidden = false;
  }

  /** A question by name, or nothing, is explained: there is no cell to change. */
  clear(): void {
    this.cell = undefined;
    this.clearProposal();
    byId('propose').hidden = true;
  }

  private clearProposal(): void {
    this.seq++;
    const box = byId('proposal');
    clear(box);
    box.hidden = true;
  }

  private async run(action: ProposalAction): Promise<void> {
    const cell = this.cell;
    if (!cell) return;
    const seq = ++this.seq;
    const box = byId('proposal');
    box.setAttribute('aria-busy', 'true');
    const res = await this.handlers.ask({ type: 'propose', action, from: cell.from, to: cell.to });
    if (seq !== this.seq) return;
    box.removeAttribute('aria-busy');
    if (res.type !== 'proposal') return;
    const p = res.proposal;
    const applicable = !p.problem && p.files.length > 0;
    // Allow writes at once; Deny is proposed, and applied on request.
    if (action === 'allow' && applicable) {
      const undo = this.handlers.texts(p.files.map((f) => f.name));
      await this.handlers.apply(p.files);
      this.render(p, { applied: true, undo });
    } else this.render(p, { applied: false });
  }

  private render(p: ProposalView, state: { applied: boolean; undo?: Array<{ name: string; text: string | undefined }> }): void {
    const box = byId('proposal');
    clear(box);
    box.dataset['action'] = p.action;
    box.dataset['state'] = p.problem ? 'problem' : state.applied ? 'applied' : p.files.length ? 'proposed' : 'nothing';
    box.append(h('h3', { id: 'proposal-title' }, p.title));
    if (p.problem) {
      box.append(h('p', { class: 'proposal-problem' }, p.problem));
      box.hidden = false;
      return;
    }
    if (p.files.length === 0) box.append(h('p', {}, p.action === 'allow' ? 'Already allowed: nothing to change.' : 'Already denied: nothing to change.'));
    else {
      box.append(h('p', { class: 'proposal-state' }, `${state.applied ? 'Applied' : 'Proposed'}: ${p.holds ? 'the engine proves it' : 'the engine finds a problem'} (${p.files.map((f) => f.name).join(', ')}).`));
      const changes = h('ul', { class: 'proposal-changes' });
      for (const c of p.changes) changes.append(h('li', {}, c));
      box.append(changes);
    }
    const opened = p.besides.filter((b) => b.change === 'allowed');
    const closed = p.besides.filter((b) => b.change === 'denied');
    const list = (title: string, items: typeof p.besides, cls: string) => {
      box.append(h('h4', {}, title));
      const ul = h('ul', { class: `proposal-besides ${cls}` });
      if (items.length === 0) ul.append(h('li', { class: 'none' }, 'nothing'));
      for (const b of items) ul.append(h('li', {}, b.text));
      box.append(ul);
    };
    if (p.files.length > 0) {
      list('It also opens', opened, 'opened');
      list('It also closes', closed, 'closed');
    }
    if (p.failures.length) {
      const ul = h('ul', { class: 'proposal-failures' });
      for (const f of p.failures) ul.append(h('li', {}, f));
      box.append(h('h4', {}, 'Not as asked'), ul);
    }
    const buttons = h('div', { class: 'proposal-buttons' });
    if (!state.applied && p.files.length > 0) {
      buttons.append(
        h('button', { type: 'button', id: 'proposal-apply', onclick: () => void this.apply(p) }, p.action === 'deny' ? 'Apply the narrowing' : 'Apply the change'),
      );
    }
    if (state.applied && state.undo) {
      const undo = state.undo;
      buttons.append(h('button', { type: 'button', id: 'proposal-undo', onclick: () => void this.undo(p, undo) }, 'Undo'));
    }
    box.append(buttons, h('details', {}, h('summary', {}, 'the report, as kordon generate --diff prints it'), h('pre', { class: 'proposal-report' }, p.report)));
    box.hidden = false;
  }

  private async apply(p: ProposalView): Promise<void> {
    const undo = this.handlers.texts(p.files.map((f) => f.name));
    await this.handlers.apply(p.files);
    this.render(p, { applied: true, undo });
  }

  private async undo(p: ProposalView, undo: Array<{ name: string; text: string | undefined }>): Promise<void> {
    const back = undo.filter((u): u is { name: string; text: string } => u.text !== undefined);
    if (back.length) await this.handlers.apply(back);
    const gone = undo.filter((u) => u.text === undefined).map((u) => u.name);
    if (gone.length) await this.handlers.remove(gone);
    this.render(p, { applied: false });
  }
}
