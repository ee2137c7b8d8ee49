-- AlterTable
ALTER TABLE "BackupJob" ADD COLUMN "progressSampledAt" DATETIME;
