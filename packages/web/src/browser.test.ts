// The browser tests live in ../e2e; this file brings them into the suite that `npm test` runs (its glob is src/).
import '../e2e/page.test.js';
