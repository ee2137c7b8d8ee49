import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/** The argument that bounds a list's length (`jobs(limit)`, `logs(limit)`, `contents(limit)`…). */
export const LIST_SIZE_ARGUMENT = 'limit';
/**
 * What a list without a `limit` argument is assumed to hold (repositories,
 * schedules, archives, source paths): admins create those one by one, so
 * they stay small, but they still multiply what is nested in them.
 */
export const UNBOUNDED_LIST_ITEMS = 10;

type Variables = { readonly [name: string]: unknown };

/** The value of a field's `limit` argument in this document, null when it has none. */
function limitOf(field: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1], variables: Variables): number | null {
  if (!field.args.some((arg) => arg.name === LIST_SIZE_ARGUMENT)) return null;
  try {
    const value = getArgumentValues(field, node, variables)[LIST_SIZE_ARGUMENT];
    return typeof value === 'number' && value > 0 ? value : 0;
  } catch {
    return 0; // an argument that does not coerce fails the execution anyway
  }
}

/**
 * The most list items the operation can make the server read: every
 * `limit` times the lengths of the lists it is nested in, summed over the
 * document (aliases and fragments included). A `limit` counts whether or
 * not its items are selected: `logs(limit) { totalLines }` still reads the
 * page, whose `lines` are then the same items, not more. Introspection
 * fields are not counted (the schema bounds them). Null when the
 * variables do not coerce: execution refuses those.
 */
export function listItemsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  variableValues: Variables | null | undefined,
  operationName?: string | null,
): number | null {
  const operation = getOperationAST(document, operationName);
  const rootType = operation && schema.getRootType(operation.operation);
  if (!operation || !rootType) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {});
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // a fragment costs the same wherever it is spread (scaled by where): computed once, so reuse cannot blow up
  const fragmentItems = new Map<string, number>();

  /** `pageLength`: the limit of the page object these selections are on; its lists hold those items */
  const itemsOf = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined, pageLength: number | null): number => {
    let items = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[selection.name.value] : undefined;
        if (!field) continue; // validation's business
        const limit = limitOf(field, selection, variables);
        const childType = getNamedType(field.type);
        const inner = (page: number | null) => (selection.selectionSet ? itemsOf(selection.selectionSet, childType, page) : 0);
        if (isListType(getNullableType(field.type))) {
          // a list inside a page holds the page's items, already counted
          const length = limit ?? pageLength ?? UNBOUNDED_LIST_ITEMS;
          items += (limit === null && pageLength !== null ? 0 : length) + length * inner(null);
        } else if (limit !== null) {
          items += limit + inner(limit);
        } else {
          items += inner(null);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        items += itemsOf(selection.selectionSet, type, pageLength);
      } else {
        const key = `${selection.name.value}/${pageLength}`;
        const fragment = fragments.get(selection.name.value);
        if (!fragment || fragmentItems.has(key)) {
          items += fragmentItems.get(key) ?? 0;
          continue;
        }
        fragmentItems.set(key, 0); // a cycle (refused by validation) adds nothing
        const fragmentTotal = itemsOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), pageLength);
        fragmentItems.set(key, fragmentTotal);
        items += fragmentTotal;
      }
    }
    return items;
  };
  return itemsOf(operation.selectionSet, rootType, null);
}
