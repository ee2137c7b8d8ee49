-- CreateIndex
CREATE INDEX "BackupJob_repositoryPath_id_idx" ON "BackupJob"("repositoryPath", "id");

-- CreateIndex
CREATE INDEX "BackupJob_repositoryId_status_completedAt_idx" ON "BackupJob"("repositoryId", "status", "completedAt");
