import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ExecutionArgs, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { listItemsOf } from './list-items.js';

/**
 * What one GraphQL document may ask for, checked before it runs, over every
 * transport (HTTP, SSE, graphql-ws, the REST shims). Each is far above what
 * the README's operations, GraphiQL and the REST shims use.
 */
export const QUERY_LIMITS = {
  /** characters of the document: a longer one is refused before parsing (parsed documents are cached by their text) */
  length: 20_000,
  /** lexical tokens: bounds parsing, and with it nesting (a level costs at least 2 tokens) */
  tokens: 1_000,
  /** nested selections (fragments do not count as a level) */
  depth: 10,
  /** aliased fields (`__typename` aliases are free) */
  aliases: 20,
  directives: 20,
  /** graphql-armor's structural cost: 2 per object, 1 per scalar, ×1.5 per level of nesting */
  cost: 5_000,
  /** list items the document can make the server read: `jobs(limit)` × `logs(limit)` × …, summed over the document */
  listItems: 250_000,
} as const;

/** `extensions.code` of a document refused by one of QUERY_LIMITS. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

function tooComplex(message: string): GraphQLError {
  // the same HTTP treatment as yoga gives validation errors: 400, or 200 for application/json clients
  return new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX, http: { status: 400, spec: true } } });
}

const reason = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, '');

/**
 * graphql-armor's validation rules report through the validation context
 * (an ordinary validation error: graphql-ws answers it with an `error`
 * message, yoga with 400) with our code, instead of throwing theirs.
 */
const armorRule = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(tooComplex(reason(error)))],
};

/** Refuses a document longer than QUERY_LIMITS.length before anything parses it. */
function useDocumentLength(): Plugin {
  return {
    onParse({ params }) {
      const source: unknown = params.source;
      const length = typeof source === 'string' ? source.length : (source as { body: string }).body.length;
      if (length > QUERY_LIMITS.length) throw tooComplex(`Document of ${length} characters exceeds the limit of ${QUERY_LIMITS.length}.`);
    },
  };
}

/** Refuses, before execution, an operation that could read more than QUERY_LIMITS.listItems list items (its variables known by then). */
function useListItemsLimit(): Plugin {
  const refusal = (args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>) => {
    const items = listItemsOf(args.schema, args.document, args.variableValues, args.operationName);
    if (items === null || items <= QUERY_LIMITS.listItems) return null;
    return {
      errors: [
        tooComplex(
          `The lists of this operation could read ${items.toLocaleString('en-US')} list items (each limit times the limits around it); the limit is ${QUERY_LIMITS.listItems.toLocaleString('en-US')}: ask for smaller pages.`,
        ),
      ],
    };
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}

/** The yoga plugins enforcing QUERY_LIMITS, in the order they act: length, tokens (parse), the validation rules, list items (execute). */
export function useQueryLimits(): Plugin[] {
  return [
    useDocumentLength(),
    maxTokensPlugin({
      n: QUERY_LIMITS.tokens,
      onReject: [
        (_context, error) => {
          // the parser has no context to report to: throwing our error ends the parse
          throw tooComplex(reason(error));
        },
      ],
    }),
    maxDepthPlugin({ n: QUERY_LIMITS.depth, flattenFragments: true, ...armorRule }),
    maxAliasesPlugin({ n: QUERY_LIMITS.aliases, ...armorRule }),
    maxDirectivesPlugin({ n: QUERY_LIMITS.directives, ...armorRule }),
    costLimitPlugin({ maxCost: QUERY_LIMITS.cost, flattenFragments: true, ...armorRule }),
    useListItemsLimit(),
  ] as Plugin[];
}
