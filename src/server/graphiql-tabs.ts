/**
 * The operations of README's walkthrough ("A first backup in GraphiQL"),
 * open in GraphiQL's tabs on a first visit (a browser that has used
 * GraphiQL before keeps its own tabs). test/e2e/graphiql.test.ts checks
 * that each is in README word for word.
 */
export const WALKTHROUGH_OPERATIONS: readonly string[] = [
  `mutation AddRepository {
  addRepository(input: {
    name: "home"
    path: "/srv/backups/home"
    sourcePaths: ["/home/me/Documents"]
    excludePatterns: ["sh:**/.cache"]
    passphrase: "a long passphrase"
    initialize: true
  }) {
    __typename
    ... on AddRepositorySuccess { repository { id name path hasPassphrase } }
    ... on Error { message }
  }
}`,
  `mutation StartBackup {
  startBackup(repository: "/srv/backups/home") {
    __typename
    ... on StartBackupSuccess { message job { id status } }
    ... on Error { message }
  }
}`,
  `subscription Watch {
  jobProgress(id: "1") {
    status
    progress { percent originalSize deduplicatedSize filesProcessed currentFile speedMBps etaSeconds }
  }
}`,
  `subscription Log {
  jobLogs(id: "1") { lineNumber level content }
}`,
  `query History {
  jobs(limit: 20) {
    id status archiveName startedAt completedAt exitCode errorMessage
    progress { originalSize compressedSize deduplicatedSize filesProcessed }
    logs(offset: 0, limit: 50) { totalLines hasMore lines { lineNumber content } }
  }
}`,
];
