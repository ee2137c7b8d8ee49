-- AlterTable
ALTER TABLE "BackupJob" ADD COLUMN "requestedArchiveName" TEXT;
ALTER TABLE "BackupJob" ADD COLUMN "requestedSourcePaths" TEXT;
ALTER TABLE "BackupJob" ADD COLUMN "retryOfId" INTEGER;
