import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * yoga reads `variables` and `extensions` of a GET request (and of a form
 * body) with JSON.parse and lets its SyntaxError end as a 500; malformed
 * JSON there is the client's mistake, as it is in a POST body: 400.
 */
export function useMalformedParamsAsBadRequest(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw createGraphQLError(`malformed parameters: variables and extensions must be JSON (${error.message})`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
  };
}
