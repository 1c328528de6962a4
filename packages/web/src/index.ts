// The Node side of @kordon/web: the server behind `kordon serve`. The page itself is built by Vite into site/.
export { DEFAULT_SITE_DIR, readManifests, serve } from './serve.js';
export type { ManifestFile, RunningServer, ServeOptions } from './serve.js';
