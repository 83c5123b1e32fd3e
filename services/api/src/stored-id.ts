/** Ids the API gives what it stores (agents `ag_…`, telephony configs `tc_…`): safe as KV keys. Anything else names nothing. */
const STORED_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isStoredId(id: string): boolean {
  return STORED_ID.test(id);
}
