/**
 * Imported first by the entry points (src/main.ts, src/cli/main.ts), before
 * anything loads graphql: graphql-js decides at load time whether to run its
 * development checks, and it runs them unless NODE_ENV is "production". They
 * look for a second copy of graphql in every failed instanceof test: measured
 * at 6–29 % of the server's CPU for a 1,000-line `logs` page (4 alternated pairs). A NODE_ENV set
 * by the operator (development, to see those checks) is kept.
 */
process.env.NODE_ENV ??= 'production';
