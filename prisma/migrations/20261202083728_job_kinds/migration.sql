-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_BackupJob" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "repositoryId" INTEGER NOT NULL,
    "repositoryPath" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "trigger" TEXT NOT NULL DEFAULT 'MANUAL',
    "scheduleId" INTEGER,
    "archiveName" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "completedAt" DATETIME,
    "percent" REAL NOT NULL DEFAULT 0,
    "originalSize" BIGINT NOT NULL DEFAULT 0,
    "compressedSize" BIGINT NOT NULL DEFAULT 0,
    "deduplicatedSize" BIGINT NOT NULL DEFAULT 0,
    "filesProcessed" INTEGER NOT NULL DEFAULT 0,
    "currentFile" TEXT,
    "speedMBps" REAL NOT NULL DEFAULT 0,
    "etaSeconds" INTEGER,
    "totalExpectedSize" BIGINT,
    "progressSampledAt" DATETIME,
    "errorMessage" TEXT,
    "exitCode" INTEGER,
    "maintenanceStatus" TEXT,
    "logLineCount" INTEGER NOT NULL DEFAULT 0,
    "borgPid" INTEGER,
    "logsExpired" BOOLEAN NOT NULL DEFAULT false,
    "requestedSourcePaths" TEXT,
    "requestedArchiveName" TEXT,
    "retryOfId" INTEGER,
    "kind" TEXT NOT NULL DEFAULT 'BACKUP',
    "destination" TEXT,
    "paths" TEXT,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "overwrite" BOOLEAN NOT NULL DEFAULT false,
    "verifyData" BOOLEAN NOT NULL DEFAULT false,
    "problemsFound" INTEGER,
    CONSTRAINT "BackupJob_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "BackupJob_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_BackupJob" ("archiveName", "borgPid", "completedAt", "compressedSize", "createdAt", "currentFile", "deduplicatedSize", "errorMessage", "etaSeconds", "exitCode", "filesProcessed", "id", "logLineCount", "logsExpired", "maintenanceStatus", "originalSize", "percent", "progressSampledAt", "repositoryId", "repositoryPath", "requestedArchiveName", "requestedSourcePaths", "retryOfId", "scheduleId", "speedMBps", "startedAt", "status", "totalExpectedSize", "trigger") SELECT "archiveName", "borgPid", "completedAt", "compressedSize", "createdAt", "currentFile", "deduplicatedSize", "errorMessage", "etaSeconds", "exitCode", "filesProcessed", "id", "logLineCount", "logsExpired", "maintenanceStatus", "originalSize", "percent", "progressSampledAt", "repositoryId", "repositoryPath", "requestedArchiveName", "requestedSourcePaths", "retryOfId", "scheduleId", "speedMBps", "startedAt", "status", "totalExpectedSize", "trigger" FROM "BackupJob";
DROP TABLE "BackupJob";
ALTER TABLE "new_BackupJob" RENAME TO "BackupJob";
CREATE INDEX "BackupJob_repositoryId_id_idx" ON "BackupJob"("repositoryId", "id");
CREATE INDEX "BackupJob_status_id_idx" ON "BackupJob"("status", "id");
CREATE INDEX "BackupJob_trigger_id_idx" ON "BackupJob"("trigger", "id");
CREATE INDEX "BackupJob_scheduleId_status_idx" ON "BackupJob"("scheduleId", "status");
CREATE INDEX "BackupJob_repositoryPath_id_idx" ON "BackupJob"("repositoryPath", "id");
CREATE INDEX "BackupJob_repositoryId_status_completedAt_idx" ON "BackupJob"("repositoryId", "status", "completedAt");
CREATE INDEX "BackupJob_logsExpired_completedAt_idx" ON "BackupJob"("logsExpired", "completedAt");
CREATE INDEX "BackupJob_kind_id_idx" ON "BackupJob"("kind", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
