import test from 'ava';
import { parseCredentials } from '../../src/auth/credentials-file.js';

test('a token file is read as kube-apiserver reads it: token, user, uid and quoted groups', (t) => {
  const users = parseCredentials('abc,alice,1,"system:masters,team"\n\n  def , bob , 2\n', 'tokens.csv', 'token');
  t.deepEqual(users.get('abc'), { name: 'alice', uid: '1', groups: ['system:masters', 'team'] });
  t.deepEqual(users.get('def'), { name: 'bob', uid: '2', groups: [] });
  t.is(users.size, 2);
});

test('a record with too few columns, an empty token or a repeated token is an error naming the file and record', (t) => {
  t.throws(() => parseCredentials('abc,alice\n', 'tokens.csv', 'token'), { message: 'tokens.csv: record 1 has 2 columns; it needs at least 3 (token, user name, user uid)' });
  t.throws(() => parseCredentials('x,a,1\n,alice,2\n', 'tokens.csv', 'token'), { message: 'tokens.csv: record 2 has an empty token' });
  t.throws(() => parseCredentials('x,a,1\nx,b,2\n', 'pw.csv', 'password'), { message: 'pw.csv: record 2 repeats the password of an earlier record' });
  t.throws(() => parseCredentials('x,"a,1\n', 'tokens.csv', 'token'), { message: /^tokens\.csv: / });
});
