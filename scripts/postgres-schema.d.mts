/** Types of scripts/postgres-schema.mjs. */
export declare const SQLITE_SCHEMA: string;
export declare const POSTGRES_SCHEMA: string;
export declare function postgresSchema(source: string): string;
export declare function writePostgresSchema(): string;
