-- AlterTable
ALTER TABLE "BackupJob" ADD COLUMN "cancelRequestedAt" DATETIME;
ALTER TABLE "BackupJob" ADD COLUMN "node" TEXT;
ALTER TABLE "BackupJob" ADD COLUMN "runningRepositoryId" INTEGER;

-- CreateTable
CREATE TABLE "ClusterNode" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "instanceId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL,
    "leaseSeconds" INTEGER NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Repository" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "sourcePaths" TEXT NOT NULL,
    "excludePatterns" TEXT NOT NULL DEFAULT '[]',
    "passphrase" TEXT,
    "passcommand" TEXT,
    "encryption" TEXT NOT NULL DEFAULT 'repokey-blake2',
    "compression" TEXT NOT NULL DEFAULT 'lz4',
    "lockWaitSeconds" INTEGER NOT NULL DEFAULT 5,
    "keepWithin" TEXT,
    "keepLast" INTEGER,
    "keepHourly" INTEGER,
    "keepDaily" INTEGER,
    "keepWeekly" INTEGER,
    "keepMonthly" INTEGER,
    "keepYearly" INTEGER,
    "compact" BOOLEAN NOT NULL DEFAULT true,
    "removedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "listFilter" TEXT NOT NULL DEFAULT 'AME',
    "staleAfter" TEXT,
    "staleRaisedAt" DATETIME,
    "node" TEXT NOT NULL DEFAULT ''
);
INSERT INTO "new_Repository" ("compact", "compression", "createdAt", "encryption", "excludePatterns", "id", "keepDaily", "keepHourly", "keepLast", "keepMonthly", "keepWeekly", "keepWithin", "keepYearly", "listFilter", "lockWaitSeconds", "name", "passcommand", "passphrase", "path", "removedAt", "sourcePaths", "staleAfter", "staleRaisedAt", "updatedAt") SELECT "compact", "compression", "createdAt", "encryption", "excludePatterns", "id", "keepDaily", "keepHourly", "keepLast", "keepMonthly", "keepWeekly", "keepWithin", "keepYearly", "listFilter", "lockWaitSeconds", "name", "passcommand", "passphrase", "path", "removedAt", "sourcePaths", "staleAfter", "staleRaisedAt", "updatedAt" FROM "Repository";
DROP TABLE "Repository";
ALTER TABLE "new_Repository" RENAME TO "Repository";
CREATE UNIQUE INDEX "Repository_name_key" ON "Repository"("name");
CREATE UNIQUE INDEX "Repository_path_key" ON "Repository"("path");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "BackupJob_runningRepositoryId_key" ON "BackupJob"("runningRepositoryId");

-- CreateIndex
CREATE INDEX "BackupJob_node_status_idx" ON "BackupJob"("node", "status");
