-- DropIndex
DROP INDEX "BackupJob_repositoryPath_id_idx";

-- DropIndex
DROP INDEX "BackupJob_trigger_id_idx";

-- DropIndex
DROP INDEX "BackupJob_status_id_idx";

-- CreateIndex
CREATE INDEX "BackupJob_status_kind_id_idx" ON "BackupJob"("status", "kind", "id");

-- CreateIndex
CREATE INDEX "BackupJob_trigger_kind_id_idx" ON "BackupJob"("trigger", "kind", "id");

-- CreateIndex
CREATE INDEX "BackupJob_repositoryPath_kind_id_idx" ON "BackupJob"("repositoryPath", "kind", "id");
