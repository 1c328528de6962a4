// Test support: a loopback stand-in for kube-apiserver and the certificates it needs. Not kube-apiserver; see
// docs/cluster.md for what it does and does not do.

export { TestApiServer } from './api-server.js';
export type { Grants, TestApiServerOptions } from './api-server.js';
export { makePki } from './certs.js';
export type { TestPki } from './certs.js';
export { Store } from './store.js';
export type { Change, WatchType } from './store.js';
