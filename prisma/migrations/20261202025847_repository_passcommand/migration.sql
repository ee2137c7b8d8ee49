-- AlterTable
ALTER TABLE "Repository" ADD COLUMN "passcommand" TEXT;
