import type { EngineContext } from "../context.js";
import { CLAIM_COLUMNS, type ClaimRow, claimRowOf } from "./message-row.js";

/**
 * Fair queues (SQS, July 2025): on a standard queue, messages sent with a MessageGroupId
 * belong to that group's tenant, and a receive interleaves tenants so that one group with a
 * backlog does not hold back the others. Messages without a group are each their own
 * tenant ("Each message without a MessageGroupId is treated as belonging to its own distinct
 * tenant", Developer Guide, "How Amazon SQS fair queues work").
 *
 * Locally the order is by rank, then age: a message's rank is how many visible messages of
 * its group are older than it (0 for the oldest of each group, and for every message without
 * a group). So one receive takes the oldest message of each group before the second of any.
 * AWS reorders only once a tenant is detected as noisy (over 10 % of the messages in flight
 * and at least 30 of its own); locally the interleaving is always on, and exact.
 */

/** Where `visible_at` is in a row selecting CLAIM_COLUMNS and then it. */
const VISIBLE_AT = CLAIM_COLUMNS.split(",").length;

/** The most groups one receive looks at; beyond it, later receives go on from where it stopped. */
const GROUPS_PER_RECEIVE = 64;

interface FairState {
  /** Queues known to hold no message with a group: their receives take the plain path. */
  ungrouped: Set<number>;
  /** Per queue, the last group the previous receive looked at (round robin past 64 groups). */
  cursor: Map<number, string>;
}

const states = new WeakMap<EngineContext, FairState>();

function stateOf(ctx: EngineContext): FairState {
  let state = states.get(ctx);
  if (!state) {
    state = { ungrouped: new Set(), cursor: new Map() };
    states.set(ctx, state);
  }
  return state;
}

/** A message with a group was put in the queue (sent, moved or redriven there). */
export function noteGroupedMessage(ctx: EngineContext, queueId: number): void {
  states.get(ctx)?.ungrouped.delete(queueId);
}

/** True when the queue may hold messages with a group; a cheap lookup once it is known not to. */
export function hasGroups(ctx: EngineContext, queueId: number): boolean {
  const state = stateOf(ctx);
  if (state.ungrouped.has(queueId)) return false;
  const found = ctx.stmts
    .get("SELECT 1 FROM messages WHERE queue_id = ? AND message_group_id IS NOT NULL LIMIT 1")
    .get(queueId);
  if (found === undefined) state.ungrouped.add(queueId);
  return found !== undefined;
}

/**
 * The visible messages a receive of `max` should take first, fairest first (see above): up
 * to `max` of them without a group, and up to `max` of each group looked at. The caller
 * takes them in order, skipping any it cannot deliver.
 */
export function fairCandidates(
  ctx: EngineContext,
  queueId: number,
  now: number,
  max: number,
): ClaimRow[] {
  const ranked: Array<{ row: ClaimRow; rank: number; visibleAt: number }> = [];
  const add = (values: unknown[], rank: number): void => {
    ranked.push({ row: claimRowOf(values), rank, visibleAt: values[VISIBLE_AT] as number });
  };
  const loose = ctx.stmts.raw(
    `SELECT ${CLAIM_COLUMNS}, visible_at FROM messages
     WHERE queue_id = ? AND visible_at <= ? AND message_group_id IS NULL
     ORDER BY visible_at, seq LIMIT ?`,
  );
  for (const values of loose.all(queueId, now, max) as unknown[][]) add(values, 0);
  const ofGroup = ctx.stmts.raw(
    `SELECT ${CLAIM_COLUMNS}, visible_at FROM messages
     WHERE queue_id = ? AND message_group_id = ? AND visible_at <= ?
     ORDER BY visible_at, seq LIMIT ?`,
  );
  for (const group of groupsFrom(ctx, queueId)) {
    const rows = ofGroup.all(queueId, group, now, max) as unknown[][];
    rows.forEach((values, rank) => {
      add(values, rank);
    });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.visibleAt - b.visibleAt || a.row.seq - b.row.seq);
  return ranked.map(({ row }) => row);
}

/**
 * Up to GROUPS_PER_RECEIVE distinct groups of the queue, in name order from after the last
 * group the previous receive looked at, wrapping round. Each step is one seek in the group
 * index, so the cost follows the groups looked at, not the messages queued.
 */
function groupsFrom(ctx: EngineContext, queueId: number): string[] {
  const state = stateOf(ctx);
  const next = ctx.stmts.get(
    `SELECT message_group_id AS id FROM messages
     WHERE queue_id = ? AND message_group_id > ? ORDER BY message_group_id LIMIT 1`,
  );
  const start = state.cursor.get(queueId) ?? "";
  const groups: string[] = [];
  // From after the cursor to the end, then from the start up to the cursor itself.
  for (const [from, upTo] of [[start, undefined], ...(start === "" ? [] : [["", start]])] as Array<
    [string, string | undefined]
  >) {
    let after = from;
    while (groups.length < GROUPS_PER_RECEIVE) {
      const row = next.get(queueId, after) as { id: string } | undefined;
      if (row === undefined || (upTo !== undefined && row.id > upTo)) break;
      groups.push(row.id);
      after = row.id;
    }
  }
  const last = groups.at(-1);
  if (last === undefined) state.cursor.delete(queueId);
  else state.cursor.set(queueId, last);
  return groups;
}
