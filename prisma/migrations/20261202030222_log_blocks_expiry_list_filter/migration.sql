-- CreateTable
CREATE TABLE "JobLogBlock" (
    "jobId" INTEGER NOT NULL,
    "firstLine" INTEGER NOT NULL,
    "lastLine" INTEGER NOT NULL,
    "data" BLOB NOT NULL,

    PRIMARY KEY ("jobId", "firstLine"),
    CONSTRAINT "JobLogBlock_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BackupJob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable
-- Written as ADD COLUMN instead of the engine's table redefinition (the same
-- schema): no copy of every job row, and a later migration that adds other
-- columns to these tables cannot drop these two by redefining from an older
-- column list.
ALTER TABLE "BackupJob" ADD COLUMN "logsExpired" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Repository" ADD COLUMN "listFilter" TEXT NOT NULL DEFAULT 'AME';

-- CreateIndex
CREATE INDEX "BackupJob_logsExpired_completedAt_idx" ON "BackupJob"("logsExpired", "completedAt");
