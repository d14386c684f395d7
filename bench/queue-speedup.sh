#!/usr/bin/env bash
# Issue 15: the whole run of the bundled CNN over the MNIST test set, one process (1, 2 threads) vs the Redis
# queue (1, 2 workers), two rounds; needs `npm run build` and a redis-server on 127.0.0.1:6391
# (redis-server --port 6391 --save "" --daemonize yes). Prints wall seconds and whether the reports are identical.
set -e
cd "$(dirname "$0")/.."
A="run -T 64 --target ncs2"
t() { local s=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(echo "$(date +%s.%N) - $s" | bc)"; }
for round in 1 2; do
  echo "round $round"
  echo "one process, 1 thread: $(t node dist/cli.js $A --workers 1 --json /tmp/q1.json)"
  echo "one process, 2 threads: $(t node dist/cli.js $A --workers 2 --json /tmp/q2.json)"
  db=$((round*2)); redis-cli -p 6391 -n $db flushdb >/dev/null
  node dist/cli.js worker --queue redis://127.0.0.1:6391/$db --concurrency 1 > /tmp/w1.log 2>&1 & W1=$!
  sleep 3
  echo "queue, 1 worker: $(t node dist/cli.js $A --queue redis://127.0.0.1:6391/$db --json /tmp/q3.json)"
  kill $W1; wait $W1 2>/dev/null || true
  db=$((round*2+1)); redis-cli -p 6391 -n $db flushdb >/dev/null
  node dist/cli.js worker --queue redis://127.0.0.1:6391/$db --concurrency 1 > /tmp/w2a.log 2>&1 & W2=$!
  node dist/cli.js worker --queue redis://127.0.0.1:6391/$db --concurrency 1 > /tmp/w2b.log 2>&1 & W3=$!
  sleep 3
  echo "queue, 2 workers: $(t node dist/cli.js $A --queue redis://127.0.0.1:6391/$db --json /tmp/q4.json)"
  kill $W2 $W3; wait $W2 $W3 2>/dev/null || true
done
node -e "const s=f=>{const r=require(f); delete r.seconds; return JSON.stringify(r)}; console.log('identical:', [2,3,4].every(i=>s('/tmp/q'+i+'.json')===s('/tmp/q1.json')))"
