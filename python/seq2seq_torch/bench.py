"""Training throughput of the twin (bench/twin.mjs runs it beside our trainer): forward, autograd backward,
global-norm clipping at 1.0 and Adam at 1e-3 on consecutive batches of `--batch` pairs of an id split;
prints one JSON line {tokPerSec, msPerStep, tokPerStep, firstLoss, lastLoss} (target tokens, </s> included).

  python3 -m seq2seq_torch.bench --ids DIR --config '{"cell": "gru", ...}' [--steps 20] [--warmup 2] [--threads 2]
"""

import argparse
import json
import time

import torch

from .batching import make_batch
from .ids import load_split
from .model import Seq2SeqTwin


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m seq2seq_torch.bench')
    p.add_argument('--ids', required=True)
    p.add_argument('--config', required=True, help='model config (JSON)')
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    split = load_split(a.ids, 'train')
    model = Seq2SeqTwin(json.loads(a.config))
    model.train()
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    tokens, first, last, t0 = 0, None, None, 0.0
    for s in range(a.warmup + a.steps):
        if s == a.warmup:
            t0 = time.perf_counter()
        batch = make_batch([split.pair(i) for i in range(s * a.batch, (s + 1) * a.batch)])
        opt.zero_grad(set_to_none=True)
        loss, _, n = model.loss(*batch, train=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        last = loss.item() / n
        first = last if first is None else first
        if s >= a.warmup:
            tokens += n
    sec = time.perf_counter() - t0
    print(
        json.dumps(
            {
                'tokPerSec': tokens / sec,
                'msPerStep': 1000 * sec / a.steps,
                'tokPerStep': tokens / a.steps,
                'firstLoss': first,
                'lastLoss': last,
            }
        )
    )


if __name__ == '__main__':
    main()
