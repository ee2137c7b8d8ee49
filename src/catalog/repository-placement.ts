// Where a repository's borg runs in a cluster: the types RepositoryService
// and src/cluster agree on (src/cluster implements RepositoryPlacement).

/** What borg must prove on the repository's own node before it is stored: it opens (after `borg init` when asked). */
export interface RepositoryProbe {
  name: string;
  path: string;
  /** sealed with the data folder's key, as stored (every node of a cluster shares that key: they share the rows) */
  passphrase: string | null;
  passcommand: string | null;
  initialize: boolean;
  encryption: string;
  lockWaitSeconds?: number;
}

/** What a probe found. */
export interface ProbeResult {
  /** borg's encryption mode, null when borg did not say */
  encryptionMode: string | null;
}

/**
 * Where repositories live in a cluster: borg runs only on a repository's
 * own node (its data is there), so a probe for another node's repository
 * is sent there (src/cluster runs it over the bus).
 */
export interface RepositoryPlacement {
  /** this node's name (BORGQL_NODE_NAME) */
  readonly nodeName: string;
  /** whether `node` is a node of the cluster */
  knows(node: string): Promise<boolean>;
  /** runs RepositoryService.probe on `node` (NodeUnreachableError when it does not answer) */
  probeOn(node: string, probe: RepositoryProbe): Promise<ProbeResult>;
}

/** A server alone: every repository is this node's. */
export const ALONE: RepositoryPlacement = {
  nodeName: '',
  knows: (node) => Promise.resolve(node === ''),
  probeOn: () => Promise.reject(new Error('a server alone has no other node')),
};
