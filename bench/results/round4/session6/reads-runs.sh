#!/bin/bash
# N runs of --only calibrate,reads; keeps each results.md
cd /work/main
for i in $(seq 1 ${1:-2}); do
  node dist/bench/run.js --only calibrate,reads > /work/scratch/s6/reads-$2-$i.log 2>&1
  cp bench/results/results.md /work/scratch/s6/reads-$2-$i.results.md
  git checkout -q bench/results/results.md bench/results/results.json
done
