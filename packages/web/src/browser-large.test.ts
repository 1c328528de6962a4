// The 10,000-pod browser test lives in ../e2e; this file brings it into the suite that `npm test` runs (its glob is src/).
import '../e2e/large.test.js';
