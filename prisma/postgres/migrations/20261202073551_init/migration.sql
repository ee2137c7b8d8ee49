-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Repository" (
    "id" SERIAL NOT NULL,
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
    "removedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "listFilter" TEXT NOT NULL DEFAULT 'AME',

    CONSTRAINT "Repository_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastRunAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScheduleRepository" (
    "scheduleId" INTEGER NOT NULL,
    "repositoryId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "ScheduleRepository_pkey" PRIMARY KEY ("scheduleId","repositoryId")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupJob" (
    "id" SERIAL NOT NULL,
    "repositoryId" INTEGER NOT NULL,
    "repositoryPath" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "trigger" TEXT NOT NULL DEFAULT 'MANUAL',
    "scheduleId" INTEGER,
    "archiveName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "percent" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "originalSize" BIGINT NOT NULL DEFAULT 0,
    "compressedSize" BIGINT NOT NULL DEFAULT 0,
    "deduplicatedSize" BIGINT NOT NULL DEFAULT 0,
    "filesProcessed" INTEGER NOT NULL DEFAULT 0,
    "currentFile" TEXT,
    "speedMBps" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "etaSeconds" INTEGER,
    "totalExpectedSize" BIGINT,
    "progressSampledAt" TIMESTAMP(3),
    "errorMessage" TEXT,
    "exitCode" INTEGER,
    "maintenanceStatus" TEXT,
    "logLineCount" INTEGER NOT NULL DEFAULT 0,
    "borgPid" INTEGER,
    "logsExpired" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "BackupJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLogBlock" (
    "jobId" INTEGER NOT NULL,
    "firstLine" INTEGER NOT NULL,
    "lastLine" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "JobLogBlock_pkey" PRIMARY KEY ("jobId","firstLine")
);

-- CreateTable
CREATE TABLE "JobLogLine" (
    "jobId" INTEGER NOT NULL,
    "lineNumber" INTEGER NOT NULL,
    "content" TEXT NOT NULL,
    "level" TEXT,
    "time" TIMESTAMP(3),

    CONSTRAINT "JobLogLine_pkey" PRIMARY KEY ("jobId","lineNumber")
);

-- CreateIndex
CREATE UNIQUE INDEX "Repository_name_key" ON "Repository"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Repository_path_key" ON "Repository"("path");

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_name_key" ON "Schedule"("name");

-- CreateIndex
CREATE INDEX "ScheduleRepository_repositoryId_idx" ON "ScheduleRepository"("repositoryId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "BackupJob_repositoryId_id_idx" ON "BackupJob"("repositoryId", "id");

-- CreateIndex
CREATE INDEX "BackupJob_status_id_idx" ON "BackupJob"("status", "id");

-- CreateIndex
CREATE INDEX "BackupJob_trigger_id_idx" ON "BackupJob"("trigger", "id");

-- CreateIndex
CREATE INDEX "BackupJob_scheduleId_status_idx" ON "BackupJob"("scheduleId", "status");

-- CreateIndex
CREATE INDEX "BackupJob_repositoryPath_id_idx" ON "BackupJob"("repositoryPath", "id");

-- CreateIndex
CREATE INDEX "BackupJob_repositoryId_status_completedAt_idx" ON "BackupJob"("repositoryId", "status", "completedAt");

-- CreateIndex
CREATE INDEX "BackupJob_logsExpired_completedAt_idx" ON "BackupJob"("logsExpired", "completedAt");

-- AddForeignKey
ALTER TABLE "ScheduleRepository" ADD CONSTRAINT "ScheduleRepository_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScheduleRepository" ADD CONSTRAINT "ScheduleRepository_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupJob" ADD CONSTRAINT "BackupJob_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupJob" ADD CONSTRAINT "BackupJob_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobLogBlock" ADD CONSTRAINT "JobLogBlock_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BackupJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobLogLine" ADD CONSTRAINT "JobLogLine_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BackupJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;
