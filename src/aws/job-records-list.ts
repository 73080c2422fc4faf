// `list()` over the job table: the byJobName index (keys only) queried per job name, newest
// first, merged across job names; the page's items read with BatchGetItem.
import { BatchGetItemCommand, type DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { JobPage, JobState } from "../core/job-status.js";
import { JOB_TABLE } from "../core/job-table.js";
import { type Item, SUMMARY_ATTRIBUTES, s, toSummary } from "./job-records-items.js";

/** A listing's filter, checked: times as epoch ms, the cursor decoded to an index sort key. */
export interface ListQuery {
  jobNames: readonly string[];
  state: JobState | undefined;
  sinceMs: number | undefined;
  limit: number;
  /** Only sort keys below this one (the previous page's last). */
  before: string | undefined;
}

/** BatchGetItem reads at most 100 keys (API reference, BatchGetItem). */
const BATCH_GET_KEYS = 100;
/** Queries one listing may make before it answers with what it has and a cursor. */
const MAX_QUERIES = 50;
/** Rounds of UnprocessedKeys retried before giving up. */
const MAX_UNPROCESSED_ROUNDS = 10;

/** Everything above `~` in sort order: no cursor. */
const TOP = "~";

interface Partition {
  jobName: string;
  /** The lowest sort key examined so far; TOP before the first query. */
  boundary: string;
  startKey: Item | undefined;
  done: boolean;
}

/** The cursor handed out for an index sort key, and back. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}
export function decodeCursor(cursor: string): string | undefined {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  return /^\d{15}#[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(key) ? key : undefined;
}

/**
 * The newest jobs matching `query`. Each job name's partition of the index is read in
 * `limit`-sized chunks from the cursor down; an item is certain to belong to the page once
 * every partition still open has been read down to it (its sort key ≥ the highest point an
 * open partition has reached). A listing that reads MAX_QUERIES chunks without filling its
 * page (a rare state among many jobs) answers with fewer jobs and a cursor to go on from.
 */
export async function listJobs(
  dynamodb: DynamoDBClient,
  tableName: string,
  query: ListQuery,
): Promise<JobPage> {
  const index = JOB_TABLE.byJobName;
  const lower = query.sinceMs === undefined ? "0" : String(query.sinceMs).padStart(15, "0");
  const upper = query.before ?? TOP;
  const partitions: Partition[] = [...new Set(query.jobNames)].map((jobName) => ({
    jobName,
    boundary: TOP,
    startKey: undefined,
    done: false,
  }));
  /** Matching items (summaries when filtering by state, else keys) by sort key. */
  const found = new Map<string, Item>();
  let queries = 0;

  const frontier = () =>
    partitions.reduce((high, p) => (!p.done && p.boundary > high ? p.boundary : high), "");
  const confirmed = () => {
    const from = frontier();
    return [...found.keys()].filter((key) => key >= from);
  };

  const read = async (p: Partition) => {
    queries += 1;
    const answer = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: index.name,
        KeyConditionExpression: "#name = :name AND #key BETWEEN :lower AND :upper",
        ExpressionAttributeNames: { "#name": index.partitionKey, "#key": index.sortKey },
        ExpressionAttributeValues: {
          ":name": s(p.jobName),
          ":lower": s(lower),
          ":upper": s(upper),
        },
        ScanIndexForward: false,
        Limit: query.limit + 1,
        ...(p.startKey === undefined ? {} : { ExclusiveStartKey: p.startKey }),
      }),
    );
    const keys = (answer.Items ?? []).filter((item) => item[index.sortKey]?.S !== upper);
    const lowest = answer.Items?.at(-1)?.[index.sortKey]?.S;
    if (lowest !== undefined) p.boundary = lowest;
    p.startKey = answer.LastEvaluatedKey;
    p.done = answer.LastEvaluatedKey === undefined;
    const matching =
      query.state === undefined
        ? keys
        : (await batchGet(dynamodb, tableName, keys)).filter(
            (item) => item.state?.S === query.state,
          );
    for (const item of matching) found.set(item[index.sortKey]?.S ?? "", item);
  };

  // The first round reads every partition at once; then the one holding the frontier up.
  await Promise.all(partitions.map(read));
  for (;;) {
    const open = partitions.filter((p) => !p.done);
    if (open.length === 0 || confirmed().length >= query.limit || queries >= MAX_QUERIES) break;
    const top = frontier();
    await Promise.all(open.filter((p) => p.boundary === top).map(read));
  }

  const keys = confirmed().sort().reverse();
  const page = keys.slice(0, query.limit);
  const anyOpen = partitions.some((p) => !p.done);
  let nextCursor: string | null = null;
  if (keys.length > query.limit) nextCursor = encodeCursor(page.at(-1)!);
  else if (anyOpen) nextCursor = encodeCursor(frontier());

  const items = page.map((key) => found.get(key)!);
  const summaries =
    query.state === undefined
      ? await batchGet(
          dynamodb,
          tableName,
          items.map((item) => ({
            [JOB_TABLE.partitionKey]: item[JOB_TABLE.partitionKey]!,
          })),
        )
      : items;
  const byId = new Map(summaries.map((item) => [item[JOB_TABLE.partitionKey]?.S, item]));
  return {
    jobs: items.flatMap((item) => {
      // A job deleted (TTL) between the query and the read is left out.
      const full = byId.get(item[JOB_TABLE.partitionKey]?.S);
      return full ? [toSummary(full)] : [];
    }),
    nextCursor,
  };
}

/** The summaries of jobs by key, in any order, each read once. */
async function batchGet(
  dynamodb: DynamoDBClient,
  tableName: string,
  keys: readonly Item[],
): Promise<Item[]> {
  const names = Object.fromEntries(SUMMARY_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
  const projection = Object.keys(names).join(", ");
  const out: Item[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    let pending: Item[] = keys
      .slice(i, i + BATCH_GET_KEYS)
      .map((key) => ({ [JOB_TABLE.partitionKey]: key[JOB_TABLE.partitionKey]! }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_UNPROCESSED_ROUNDS) {
        throw new Error(`DynamoDB left ${pending.length} keys unread after ${round} rounds`);
      }
      const answer = await dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ProjectionExpression: projection,
              ExpressionAttributeNames: names,
            },
          },
        }),
      );
      out.push(...(answer.Responses?.[tableName] ?? []));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return out;
}
