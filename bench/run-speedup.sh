#!/usr/bin/env bash
# Issues 15 and 16: the whole `spikewasm run` of the bundled CNN over the 10,000 MNIST test images, T = 64,
# one thread against two (the local pool: DNN and SNN passes in the threads), interleaved, ROUNDS rounds
# (default 3). Needs `npm run build`; run it on a quiet machine (check `uptime`). Prints wall seconds per run,
# the medians, their ratio, and whether every report equals the first apart from `seconds`.
set -e
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
A="run -T 64 --target ncs2"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
t() { local s=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
one=(); two=()
for round in $(seq 1 "$ROUNDS"); do
  a=$(t node dist/cli.js $A --workers 1 --json "$out/one-$round.json"); one+=("$a")
  b=$(t node dist/cli.js $A --workers 2 --json "$out/two-$round.json"); two+=("$b")
  echo "round $round: 1 thread $a s, 2 threads $b s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m1=$(median "${one[@]}"); m2=$(median "${two[@]}")
echo "median: 1 thread $m1 s, 2 threads $m2 s, speed-up $(echo "scale=2; $m1 / $m2" | bc)x"
node -e "const fs=require('fs'),d=process.argv[1];const s=f=>{const r=JSON.parse(fs.readFileSync(d+'/'+f)); delete r.seconds; return JSON.stringify(r)};
const f=fs.readdirSync(d);console.log('reports identical:', f.every(x=>s(x)===s(f[0])), '('+f.length+' reports)')" "$out"
