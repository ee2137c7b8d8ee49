import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsField } from '../../src/schema/selection.js';

/** The resolve info of the operation's first root field, as graphql-js hands it over (the parts selectsField reads). */
function infoOf(document: string): GraphQLResolveInfo {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    parsed.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments } as unknown as GraphQLResolveInfo;
}

describe('selectsField', () => {
  it('finds a child field selected directly, in an inline fragment or in a named fragment', () => {
    expect(selectsField(infoOf('{ jobs { id repository { name } } }'), 'repository')).toBe(true);
    expect(selectsField(infoOf('{ jobs { id ... on BackupJob { repository { id } } } }'), 'repository')).toBe(true);
    expect(
      selectsField(infoOf('{ jobs { ...Row } } fragment Row on BackupJob { id ...Deeper } fragment Deeper on BackupJob { repository { id } }'), 'repository'),
    ).toBe(true);
  });

  it('ignores fields of the same name deeper down, and fragments that refer to each other', () => {
    expect(selectsField(infoOf('{ jobs { id status } }'), 'repository')).toBe(false);
    expect(selectsField(infoOf('{ jobs { id progress { repository: percent } } }'), 'repository')).toBe(false);
    expect(selectsField(infoOf('{ jobs { ...A } } fragment A on BackupJob { id ...B } fragment B on BackupJob { status ...A }'), 'repository')).toBe(false);
  });
});
