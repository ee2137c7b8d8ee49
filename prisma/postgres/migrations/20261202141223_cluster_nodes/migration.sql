-- AlterTable
ALTER TABLE "BackupJob" ADD COLUMN     "cancelRequestedAt" TIMESTAMP(3),
ADD COLUMN     "node" TEXT,
ADD COLUMN     "runningRepositoryId" INTEGER;

-- AlterTable
ALTER TABLE "Repository" ADD COLUMN     "node" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "ClusterNode" (
    "name" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "leaseSeconds" INTEGER NOT NULL,

    CONSTRAINT "ClusterNode_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE UNIQUE INDEX "BackupJob_runningRepositoryId_key" ON "BackupJob"("runningRepositoryId");

-- CreateIndex
CREATE INDEX "BackupJob_node_status_idx" ON "BackupJob"("node", "status");
