-- CreateTable
CREATE TABLE "Repository" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "sourcePaths" TEXT NOT NULL,
    "excludePatterns" TEXT NOT NULL DEFAULT '[]',
    "passphrase" TEXT,
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
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastRunAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ScheduleRepository" (
    "scheduleId" INTEGER NOT NULL,
    "repositoryId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,

    PRIMARY KEY ("scheduleId", "repositoryId"),
    CONSTRAINT "ScheduleRepository_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ScheduleRepository_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME
);

-- CreateTable
CREATE TABLE "BackupJob" (
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
    "errorMessage" TEXT,
    "exitCode" INTEGER,
    "maintenanceStatus" TEXT,
    "logLineCount" INTEGER NOT NULL DEFAULT 0,
    "borgPid" INTEGER,
    CONSTRAINT "BackupJob_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repository" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "BackupJob_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobLogLine" (
    "jobId" INTEGER NOT NULL,
    "lineNumber" INTEGER NOT NULL,
    "content" TEXT NOT NULL,
    "level" TEXT,
    "time" DATETIME,

    PRIMARY KEY ("jobId", "lineNumber"),
    CONSTRAINT "JobLogLine_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "BackupJob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
