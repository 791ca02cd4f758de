/**
 * kube-apiserver's static credential files: `--token-auth-file` (`token,user,uid,"group1,group2"`)
 * and the older `--basic-auth-file` (`password,user,uid,"group1,group2"`), CSV as Kubernetes reads
 * them (groups optional, quoted when there are several; empty lines skipped).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { UserInfo } from './user.js';

/** The users of a credential file by their secret (token or password). */
export type Credentials = Map<string, UserInfo>;

/** Reads a token or basic-auth file; a malformed one is an error naming the file and the record. */
export function readCredentialsFile(path: string, secret: 'token' | 'password'): Credentials {
  return parseCredentials(readFileSync(path, 'utf8'), path, secret);
}

/** Parses the text of a credential file (`source` names it in errors). */
export function parseCredentials(text: string, source: string, secret: 'token' | 'password'): Credentials {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  const users: Credentials = new Map();
  records.forEach((record, i) => {
    if (record.length < 3) throw new Error(`${source}: record ${i + 1} has ${record.length} columns; it needs at least 3 (${secret}, user name, user uid)`);
    const [key, name, uid, groups] = record as [string, string, string, string | undefined];
    if (!key) throw new Error(`${source}: record ${i + 1} has an empty ${secret}`);
    if (!name) throw new Error(`${source}: record ${i + 1} has an empty user name`);
    if (users.has(key)) throw new Error(`${source}: record ${i + 1} repeats the ${secret} of an earlier record`);
    users.set(key, { name, uid, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] });
  });
  return users;
}
