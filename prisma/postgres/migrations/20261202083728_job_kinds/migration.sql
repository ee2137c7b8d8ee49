-- AlterTable
ALTER TABLE "BackupJob" ADD COLUMN     "destination" TEXT,
ADD COLUMN     "dryRun" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'BACKUP',
ADD COLUMN     "overwrite" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "paths" TEXT,
ADD COLUMN     "problemsFound" INTEGER,
ADD COLUMN     "verifyData" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "BackupJob_kind_id_idx" ON "BackupJob"("kind", "id");
