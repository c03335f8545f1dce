#!/bin/bash
# on-policy rounds of the base recipe, on the wrist camera
set -e
cd "$(dirname "$0")/../.."  # the repo root
# needs runs/wrist/round0 and runs/logs/wrist10k (checkpoints/base/README.md, "The lever found")
cur=runs/wrist/round0
for r in 1 2 3 4; do
  .venv/bin/qtopt collect --policy $cur --out runs/logs/wrist_online --episodes 2000 --workers 2 --exploration 0.2 --seed $((300000 + 10000 * r)) --json > runs/wrist/collect$r.json 2> runs/wrist/collect$r.err
  .venv/bin/qtopt pretrain --init $cur --log runs/logs/wrist10k --log runs/logs/wrist_online --weight 0.5 --weight 0.5 --step-penalty -0.05 --steps 3000 --lr 3e-4 --seed $r --out runs/wrist/round$r --run-dir runs/wrist/round${r}_run > runs/wrist/round$r.out 2> runs/wrist/round$r.err
  .venv/bin/qtopt eval --checkpoint runs/wrist/round$r --variation base --objects test --episodes 200 --seed 1000000 --json > runs/wrist/eval$r.json 2>/dev/null
  cur=runs/wrist/round$r
done
