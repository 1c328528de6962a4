/// <reference lib="webworker" />
// The engine runs here, off the page's thread: a 10,000-pod input takes seconds to read, and the page stays usable.
import { Controller, type Request, type Response } from '../view/controller.js';
import { lintFn } from './lint.js';

const controller = new Controller(lintFn);
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (e: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = e.data;
  let res: Response;
  try {
    res = controller.handle(req);
  } catch (err) {
    res = { type: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) };
  }
  scope.postMessage({ id, res });
};
