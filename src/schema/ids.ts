/** Job and repository ids are decimal numbers (the REST job_id); anything else matches nothing. */
export function parseJobId(id: string | number): number | null {
  const text = String(id).trim();
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}
