import test from 'ava';
import { lastLines } from '../../src/api/log-follow.js';

test('lastLines keeps the last n lines with their newlines, as tailLines counts them', (t) => {
  t.is(lastLines('a\nb\nc\n', 2), 'b\nc\n');
  t.is(lastLines('a\nb\nc', 1), 'c', 'an unfinished last line is a line');
  t.is(lastLines('a\nb\n', 5), 'a\nb\n');
  t.is(lastLines('a\nb\n', 0), '');
  t.is(lastLines('a\nb\n', undefined), 'a\nb\n');
  t.is(lastLines('', 3), '');
});
